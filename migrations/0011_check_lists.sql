-- CHECK constraints of the form `column IN ('a', 'b', 'c')` cost a temporary B-tree each time
-- they are checked: SQLite looks up a list of more than two constants in a table it builds for
-- the statement, and an INSERT or UPDATE of one row is one statement. A first import writes
-- tens of thousands of rows that way. The same conditions as comparisons joined by OR mean
-- exactly the same (NULL still passes, as it did) and cost a few comparisons.
--
-- SQLite cannot alter a constraint. A change that leaves every stored row as it is may be made
-- by rewriting the table's definition in sqlite_schema, as SQLite documents for this kind of
-- change (https://www.sqlite.org/lang_altertable.html#otheralter). Nothing is written to the
-- tables themselves, and the conditions are equivalent, so every row meets them as before.
-- Lists of one or two values are compiled to comparisons already and stay as they are.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
    'land IN (''BW'',''BY'',''BE'',''BB'',''HB'',''HH'',''HE'',''MV'',''NI'',''NW'',''RP'',''SL'',''SN'',''ST'',''SH'',''TH'')',
    '(land = ''BW'' OR land = ''BY'' OR land = ''BE'' OR land = ''BB'' OR land = ''HB'' OR land = ''HH'' OR land = ''HE'' OR land = ''MV'' OR land = ''NI'' OR land = ''NW'' OR land = ''RP'' OR land = ''SL'' OR land = ''SN'' OR land = ''ST'' OR land = ''SH'' OR land = ''TH'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'school_type IN (''primary'',''lower_secondary'',''intermediate'',''comprehensive'',''grammar'',''special_needs'',''vocational'',''other'')',
    '(school_type = ''primary'' OR school_type = ''lower_secondary'' OR school_type = ''intermediate'' OR school_type = ''comprehensive'' OR school_type = ''grammar'' OR school_type = ''special_needs'' OR school_type = ''vocational'' OR school_type = ''other'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'kind IN (''classroom'',''specialist_room'',''staff_room'',''administration'',''server_room'',''hall'',''other'')',
    '(kind = ''classroom'' OR kind = ''specialist_room'' OR kind = ''staff_room'' OR kind = ''administration'' OR kind = ''server_room'' OR kind = ''hall'' OR kind = ''other'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'wlan_coverage IN (''none'',''partial'',''full'')',
    '(wlan_coverage = ''none'' OR wlan_coverage = ''partial'' OR wlan_coverage = ''full'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'status IN (''ordered'',''in_stock'',''in_use'',''on_loan'',''in_repair'',''retired'')',
    '(status = ''ordered'' OR status = ''in_stock'' OR status = ''in_use'' OR status = ''on_loan'' OR status = ''in_repair'' OR status = ''retired'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'category IN (''laptop'',''tablet'',''desktop'',''thin_client'',''other'')',
    '(category = ''laptop'' OR category = ''tablet'' OR category = ''desktop'' OR category = ''thin_client'' OR category = ''other'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'user_group IN (''pupils'',''teachers'',''administration'')',
    '(user_group = ''pupils'' OR user_group = ''teachers'' OR user_group = ''administration'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'wifi_standard IN (''wifi4'',''wifi5'',''wifi6'',''wifi6e'',''wifi7'',''other'')',
    '(wifi_standard = ''wifi4'' OR wifi_standard = ''wifi5'' OR wifi_standard = ''wifi6'' OR wifi_standard = ''wifi6e'' OR wifi_standard = ''wifi7'' OR wifi_standard = ''other'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'kind IN (''interactive_display'',''interactive_whiteboard'',''projector'',''document_camera'',''audio'',''streaming_box'',''other'')',
    '(kind = ''interactive_display'' OR kind = ''interactive_whiteboard'' OR kind = ''projector'' OR kind = ''document_camera'' OR kind = ''audio'' OR kind = ''streaming_box'' OR kind = ''other'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'technology IN (''fttb'',''ftth'',''vdsl'',''cable'',''radio'',''other'')',
    '(technology = ''fttb'' OR technology = ''ftth'' OR technology = ''vdsl'' OR technology = ''cable'' OR technology = ''radio'' OR technology = ''other'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'status IN (''planned'',''ordered'',''under_construction'',''live'',''terminated'')',
    '(status = ''planned'' OR status = ''ordered'' OR status = ''under_construction'' OR status = ''live'' OR status = ''terminated'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'fibre_type IN (''os2'',''om3'',''om4'',''other'')',
    '(fibre_type = ''os2'' OR fibre_type = ''om3'' OR fibre_type = ''om4'' OR fibre_type = ''other'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'kind IN (''manual'',''import'',''sync'',''bundle'',''demo'',''restore'')',
    '(kind = ''manual'' OR kind = ''import'' OR kind = ''sync'' OR kind = ''bundle'' OR kind = ''demo'' OR kind = ''restore'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'status IN (''planned'',''applied'',''approved'',''amended'',''completed'',''withdrawn'')',
    '(status = ''planned'' OR status = ''applied'' OR status = ''approved'' OR status = ''amended'' OR status = ''completed'' OR status = ''withdrawn'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'item_entity IN (''device'',''access_point'',''presentation_hardware'',''fibre_link'')',
    '(item_entity = ''device'' OR item_entity = ''access_point'' OR item_entity = ''presentation_hardware'' OR item_entity = ''fibre_link'')')
WHERE type = 'table';

UPDATE sqlite_schema SET sql = replace(sql,
    'status IN (''missing'',''in_progress'',''present'')',
    '(status = ''missing'' OR status = ''in_progress'' OR status = ''present'')')
WHERE type = 'table';

-- This connection reads the schema again at once. Migrations run when the file is opened,
-- before the store opens any other connection to it.
PRAGMA writable_schema = RESET;
