import type { DeviceData, ListQuery, RoomData, Row, SchoolData } from "./bindings";

/** A school as `list_schools` returns it (the core's `School = Row<SchoolData>`). */
export type School = Row<SchoolData>;
export type Room = Row<RoomData>;
export type Device = Row<DeviceData>;

/** A query with no filter, default order, first page; spread and override what differs. */
export const EMPTY_QUERY: ListQuery = {
  search: null,
  school_id: null,
  school_number: null,
  building_id: null,
  room_id: null,
  status: null,
  sort: null,
  descending: false,
  after: null,
  limit: null,
  include_deleted: false,
};
