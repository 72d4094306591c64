// Frontend-only types of 二要素認証: what FactorService takes and returns is in contract.gen.ts
// (generated from app/ui/factors.go).

/** FactorKind is a kind of second factor the screens offer (Go: auth.FactorKind; Go sends a string). */
export type FactorKind = "vein" | "card" | "jpki";
