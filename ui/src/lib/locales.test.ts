import { describe, expect, it } from "vitest";
import { en, fr } from "./locales";
import { detectLocale, format } from "./i18n.svelte";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("translations", () => {
  it("French has every English key, with the same placeholders, and nothing left untranslated", () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key].trim(), key).not.toBe("");
      expect(placeholders(fr[key]), key).toEqual(placeholders(en[key]));
    }
    const same = (Object.keys(en) as (keyof typeof en)[]).filter(
      (k) => en[k] === fr[k] && !/^(app\.title|sites\.title|sites\.count_(one|other)|check\.status\.pass|forms\.iz_(agent|country|campaign)|forms\.col\.type|log\.(title|conversation|agent|ticket)|preview\.public|sync\.delivered_count|about\.version|ftype\.(date|regexp)|form\.section\.zendesk|form\.platform_(ha|sd)|stats\.(tickets|total|agent))$/.test(k),
    );
    expect(same).toEqual([]);
  });

  it("follows the OS language when it is French or English, English otherwise", () => {
    expect(detectLocale(["fr-FR", "en-US"])).toBe("fr");
    expect(detectLocale(["fr_BE"])).toBe("fr");
    expect(detectLocale(["de-DE", "en-GB"])).toBe("en");
    expect(detectLocale(["de-DE"])).toBe("en");
    expect(detectLocale([])).toBe("en");
  });

  it("fills parameters and leaves unknown ones visible", () => {
    expect(format("Site « {name} » supprimé", { name: "Shop" })).toBe("Site « Shop » supprimé");
    expect(format("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });
});

describe("a failed conversation's error", () => {
  it("is summed up in French by its code, and left to the core's English words otherwise", async () => {
    const { errorSummary, i18n } = await import("./i18n.svelte");
    const before = i18n.locale;
    try {
      i18n.set("fr");
      expect(errorSummary("zendesk.invalid")).toContain("Zendesk a refusé les données du ticket");
      expect(errorSummary("iadvize.token_invalid")).toContain("jeton GraphQL iAdvize a expiré");
      expect(errorSummary("zendesk.some_new_code")).toBeNull();
      expect(errorSummary(null)).toBeNull();
      i18n.set("en");
      expect(errorSummary("zendesk.invalid")).toBeNull();
    } finally {
      i18n.set(before);
    }
  });
});
