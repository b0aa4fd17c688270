import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "@testing-library/svelte";
import AgentChart from "./AgentChart.svelte";
import DayChart from "./DayChart.svelte";
import type { AgentStats } from "../bindings/AgentStats";
import type { DayStats } from "../bindings/DayStats";
import type { IadvizeAgentKind } from "../bindings/IadvizeAgentKind";

afterEach(cleanup);

// jsdom has no layout: the charts measure their width with bind:clientWidth.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

const counts = (tickets: number, escalated: number) => ({
  conversations: tickets, tickets, auto_saved: tickets, escalated, escalation_rate: tickets ? escalated / tickets : 0, failed: 0, pending: 0,
});
const agent = (name: string | null, kind: IadvizeAgentKind | null, tickets: number, escalated = 0): AgentStats => ({
  agent_name: name, agent_kind: kind, ...counts(tickets, escalated),
});

describe("bars per agent", () => {
  it("draws a group per agent with both bars, kinds told apart by marker and pattern", () => {
    const { container } = render(AgentChart, {
      agents: [agent("Julie Moreau", "professional", 8, 2), agent("Jean Robert", "expert", 4), agent("Wall-e", "bot", 2), agent(null, null, 1)],
    });
    const groups = [...container.querySelectorAll("[data-testid=agent-bar]")];
    expect(groups.map((g) => g.getAttribute("data-kind"))).toEqual(["professional", "expert", "bot", "none"]);
    expect(groups[3].textContent).toContain("No agent");
    for (const g of groups) expect(g.querySelectorAll("rect[data-testid^=bar-]").length).toBe(2);
    // Pro agents' bars are solid (class colour), experts' and bots' use their own patterns.
    const auto = (i: number) => groups[i].querySelector("[data-testid=bar-auto-saved]")!;
    expect(auto(0).getAttribute("fill")).toBeNull();
    expect(auto(1).getAttribute("fill")).toMatch(/^url\(#.+-expert-auto\)$/);
    expect(auto(2).getAttribute("fill")).toMatch(/^url\(#.+-bot-auto\)$/);
    const id = auto(1).getAttribute("fill")!.slice(5, -1);
    expect(container.querySelector(`pattern[id="${id}"]`)).not.toBeNull();
    // The longest bar is the biggest figure; an empty figure draws no bar.
    const width = (el: Element) => Number(el.getAttribute("width"));
    expect(width(auto(0))).toBeGreaterThan(width(auto(1)));
    expect(width(groups[1].querySelector("[data-testid=bar-escalated]")!)).toBe(0);
    expect(container.querySelector("[style]")).toBeNull();
  });

  it("keeps the chart readable with many agents", () => {
    const many = Array.from({ length: 20 }, (_, i) => agent(`Agent ${i}`, "professional", 20 - i));
    const { container, getByText } = render(AgentChart, { agents: many, most: 15 });
    expect(container.querySelectorAll("[data-testid=agent-bar]").length).toBe(15);
    getByText("5 more agents in the table below.");
  });
});

describe("a line per day", () => {
  it("puts a point per day on the tickets line", () => {
    const days: DayStats[] = ["2026-11-01", "2026-11-02", "2026-11-03"].map((day, i) => ({ day, ...counts([3, 0, 5][i], i === 2 ? 1 : 0) }));
    const { container } = render(DayChart, { days });
    const points = [...container.querySelectorAll("[data-testid=day-point]")];
    expect(points.map((p) => p.getAttribute("data-tickets"))).toEqual(["3", "0", "5"]);
    const ys = points.map((p) => Number(p.getAttribute("cy")));
    expect(ys[1]).toBeGreaterThan(ys[0]);
    expect(ys[2]).toBeLessThan(ys[0]);
    expect(container.querySelector("[data-testid=day-line]")!.getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L/);
  });
});
