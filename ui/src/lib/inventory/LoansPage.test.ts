import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { LoanData, LoanFilter, LoanView } from "../bindings";
import LoansPage from "./LoansPage.svelte";
import { callsOf, device, SCHOOLS, type Call } from "../../test/inventoryFixtures";

const LAPTOP = device({ id: "d1", inventory_number: "LG-0001", category: "laptop", user_group: "teachers" });

function view(id: string, data: Partial<LoanData>, overdue = false): LoanView {
  return {
    loan: {
      id,
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2025-01-01T00:00:00Z",
      deleted_at: null,
      device_id: "d1",
      holder_name: "Frau Kaya",
      holder_erased: false,
      loaned_on: "2025-02-03",
      due_on: "2025-08-31",
      returned_on: null,
      notes: null,
      ...data,
    },
    device_inventory_number: "LG-0001",
    device_description: "Dell Latitude 3440",
    school_id: "s1",
    school_number: "100013",
    school_name: "Geschwister-Scholl-Gymnasium",
    overdue,
  };
}

/** A backend with one overdue open loan and one returned loan. */
function backend() {
  const calls: Call[] = [];
  let loans = [view("l1", {}, true), view("l2", { holder_name: "Herr Weber", returned_on: "2025-01-20", loaned_on: "2024-09-01", due_on: null })];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "funding_schools":
        return SCHOOLS;
      case "list_loans": {
        const f = args.filter as LoanFilter;
        return loans.filter((l) => (!f.open_only || l.loan.returned_on === null) && (!f.overdue_only || l.overdue));
      }
      case "list_devices":
        return { items: [LAPTOP], next: null };
      case "lend_device":
        if (loans.some((l) => l.loan.device_id === args.deviceId && l.loan.returned_on === null)) {
          throw {
            code: "validation",
            message: "Die Eingaben sind ungültig",
            errors: [{ field: "device_id", code: "already_on_loan", message: "Das Gerät ist bereits verliehen." }],
          };
        }
        loans = [view("l3", { holder_name: args.holder as string, due_on: args.dueOn as string }), ...loans];
        return loans[0].loan;
      case "return_loan":
        loans = loans.map((l) => (l.loan.id === args.id ? view(l.loan.id, { returned_on: args.on as string }) : l));
        return null;
      case "erase_loan_holder":
        loans = loans.map((l) =>
          l.loan.id === args.id ? view(l.loan.id, { ...l.loan, holder_name: null, holder_erased: true }) : l,
        );
        return null;
      default:
        throw `unbekanntes Kommando ${cmd}`;
    }
  });
  return calls;
}

const rows = () => screen.getAllByTestId("loan-row");

describe("LoansPage", () => {
  it("lists open loans with the overdue one marked, and only overdue ones on request", async () => {
    const calls = backend();
    render(LoansPage);
    await expect.poll(() => screen.queryAllByTestId("loan-row").length).toBe(1);
    expect(within(rows()[0]).getByTestId("loan-overdue").textContent).toBe("überfällig");
    expect(rows()[0].textContent).toContain("31.08.2025");
    await userEvent.click(screen.getByTestId("show-overdue"));
    expect((callsOf(calls, "list_loans").at(-1)!.filter as LoanFilter).overdue_only).toBe(true);
    await userEvent.click(screen.getByLabelText("alle"));
    await expect.poll(() => rows().length).toBe(2);
  });

  it("lends a device after the missing holder is given, and shows the core's refusal next to the device", async () => {
    const calls = backend();
    render(LoansPage, { props: { searchDelay: 0 } });
    await userEvent.click(screen.getByTestId("lend-submit"));
    expect(screen.getByText("Bitte ein Gerät aus der Liste wählen.")).toBeTruthy();
    expect(screen.getByText("Bitte angeben, wer das Gerät erhält.")).toBeTruthy();
    expect(callsOf(calls, "lend_device")).toHaveLength(0);

    await userEvent.type(screen.getByTestId("lend-device"), "LG");
    await userEvent.click(await screen.findByTestId("lend-candidate"));
    expect(screen.getByTestId("lend-chosen").textContent).toContain("LG-0001");
    await userEvent.type(screen.getByTestId("lend-holder"), "Herr Yılmaz");
    await userEvent.type(screen.getByTestId("lend-due"), "31.07.2026");
    await userEvent.click(screen.getByTestId("lend-submit"));
    // l1 is still open for this device: the core refuses, the page says so at the device field.
    expect(await screen.findByText("Das Gerät ist bereits verliehen.")).toBeTruthy();
    expect(screen.getByTestId("lend-device").getAttribute("aria-invalid")).toBe("true");
    expect(callsOf(calls, "lend_device")[0]).toEqual({ deviceId: "d1", holder: "Herr Yılmaz", dueOn: "2026-07-31", notes: null });
  });

  it("takes a device back on a typed date and erases the holder of a closed loan only after confirmation", async () => {
    const calls = backend();
    render(LoansPage);
    await expect.poll(() => screen.queryAllByTestId("loan-row").length).toBe(1);
    await userEvent.click(screen.getByTestId("loan-return"));
    const date = screen.getByTestId("return-date");
    await userEvent.clear(date);
    await userEvent.type(date, "32.01.2026");
    await userEvent.click(screen.getByTestId("return-confirm"));
    expect(callsOf(calls, "return_loan")).toHaveLength(0);
    await userEvent.clear(date);
    await userEvent.type(date, "15.01.2026");
    await userEvent.click(screen.getByTestId("return-confirm"));
    expect(callsOf(calls, "return_loan")[0]).toEqual({ id: "l1", on: "2026-01-15" });
    expect((await screen.findByTestId("loans-notice")).textContent).toContain("15.01.2026");

    await userEvent.click(screen.getByLabelText("alle"));
    await expect.poll(() => screen.queryAllByTestId("loan-erase").length).toBe(2);
    await userEvent.click(screen.getAllByTestId("loan-erase")[1]);
    expect(callsOf(calls, "erase_loan_holder")).toHaveLength(0);
    expect(screen.getByRole("alertdialog").textContent).toContain("Herr Weber");
    await userEvent.click(screen.getByTestId("erase-confirm"));
    expect(callsOf(calls, "erase_loan_holder")[0]).toEqual({ id: "l2" });
    await expect.poll(() => screen.getAllByTestId("loan-holder")[1].textContent?.trim()).toBe("Name gelöscht");
  });
});

describe("LoansPage with a device chosen elsewhere", () => {
  it("starts the form with the device", async () => {
    backend();
    render(LoansPage, { props: { device: LAPTOP } });
    expect((await screen.findByTestId("lend-chosen")).textContent).toContain("LG-0001 – Dell Latitude 3440");
    expect((screen.getByTestId("lend-device") as HTMLInputElement).value).toBe("LG-0001 – Dell Latitude 3440");
  });
});
