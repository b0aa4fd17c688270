import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import BackfillPanel from "./BackfillPanel.svelte";
import type { BackfillStatus } from "../bindings/BackfillStatus";
import type { Site } from "../bindings/Site";

afterEach(() => {
  cleanup();
  clearMocks();
});

const site = { id: 3, start_from: "2026-11-23T00:00:00Z", autosave_enabled: true } as Site;

function status(extra: Partial<BackfillStatus>): BackfillStatus {
  return {
    id: 7, site_id: 3, range_from: "2026-11-18T00:00:00Z", range_to: "2026-11-23T00:00:00Z", checkpoint: "2026-11-20T12:00:00Z",
    state: "running", running_here: false, reading_done: false, seen: 12, delivered: 10, failed: 0, pending: 2, queued: 2,
    total_estimate: 24, remaining: 14, fraction: 10 / 24, rate_per_minute: 0, eta_seconds: null, last_error: null,
    created_at: "2026-11-26T10:00:00Z", updated_at: "2026-11-26T10:05:00Z", finished_at: null, ...extra,
  };
}

describe("the backfill screen", () => {
  it("shows a running backfill's progress, rate and time left", async () => {
    mockIPC((cmd) => {
      if (cmd === "backfills") return [status({ running_here: true, rate_per_minute: 30, eta_seconds: 28 }), status({ id: 5, state: "done", fraction: 1, finished_at: "2026-11-25T10:00:00Z" })];
      throw new Error(`unexpected ${cmd}`);
    });
    const { container } = render(BackfillPanel, { site, owner: true, heldBy: null, paused: false });
    const bar = await screen.findByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("42");
    expect(screen.getByTestId("backfill-state").textContent).toContain("Running");
    expect(screen.getByTestId("backfill-figures").textContent).toContain("10 of about 24 conversations");
    expect(screen.getByTestId("backfill-rate").textContent).toContain("30 per minute");
    expect(screen.getByTestId("backfill-eta").textContent).toBe("28 s");
    expect(screen.queryByTestId("backfill-resume")).toBeNull();
    expect(container.querySelectorAll("[data-testid=backfill-row]").length).toBe(1);
    expect((screen.getByTestId("backfill-start") as HTMLButtonElement).disabled).toBe(true);
  });

  it("offers to resume an interrupted backfill where it stopped, with the same range", async () => {
    const started: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "backfills") return [status({})];
      if (cmd === "start_backfill") {
        started.push(args);
        return status({ running_here: true });
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(BackfillPanel, { site, owner: true, heldBy: null, paused: false });
    expect((await screen.findByTestId("backfill-state")).textContent).toContain("Interrupted");
    screen.getByTestId("backfill-resumable");
    await fireEvent.click(screen.getByTestId("backfill-resume"));
    await waitFor(() => expect(started).toEqual([{ id: 3, from: "2026-11-18T00:00:00Z", to: "2026-11-23T00:00:00Z" }]));
  });

  it("names who syncs instead, and starts nothing", async () => {
    mockIPC((cmd) => {
      if (cmd === "backfills") return [];
      throw new Error(`unexpected ${cmd}`);
    });
    render(BackfillPanel, { site, owner: false, heldBy: { pid: 4242, kind: "headless", since: "2026-11-26T09:00:00Z" }, paused: false });
    expect((await screen.findByTestId("backfill-elsewhere")).textContent).toContain("(process 4242)");
    expect((screen.getByTestId("backfill-start") as HTMLButtonElement).disabled).toBe(true);
  });
});
