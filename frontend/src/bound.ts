// bound is call() typed by the generated contract (contract.gen.ts, from the Go signatures of
// app/ui): the service and method must exist, the arguments must fit the Go parameters, and
// the result is what Go returns. A wrapper written with it cannot disagree with Go.

import { call } from "./api";
import type { BoundServices } from "./contract.gen";

type Method<S extends keyof BoundServices> = keyof BoundServices[S] & string;
type Args<S extends keyof BoundServices, M extends Method<S>> =
  BoundServices[S][M] extends (...args: infer A) => unknown ? A : never;
type Result<S extends keyof BoundServices, M extends Method<S>> =
  BoundServices[S][M] extends (...args: never[]) => Promise<infer R> ? R : never;

/** bound calls window.go.ui[service][method](...args), as call() does (errors, step-up). */
export function bound<S extends keyof BoundServices, M extends Method<S>>(
  service: S, method: M, ...args: Args<S, M>
): Promise<Result<S, M>> {
  return call<Result<S, M>>(service, method, ...args);
}
