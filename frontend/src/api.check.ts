// A type-only check, no code: the wrappers of api.ts (call<T> with the result type written by
// hand) agree with the Go signatures of contract.gen.ts. tsc fails on a wrapper whose arguments
// Go does not take or whose result claims more than Go returns, naming the method. (The
// api_*.ts wrappers call through bound(), which is typed by the Go signatures already.)

import type { BoundServices } from "./contract.gen";
import type { Companies, Employees, Handlers, History, Offices, Session, Users } from "./api";

/** Disagreeing is the wrapper methods of W that are not a Go method of S or that Go's does not fit. */
type Disagreeing<W, S> = { [K in keyof W]: K extends keyof S ? (S[K] extends W[K] ? never : K) : K }[keyof W];
type None<T extends never> = T;

export type ApiAgreesWithGo = [
  None<Disagreeing<typeof Session, BoundServices["SessionService"]>>,
  None<Disagreeing<typeof Offices, BoundServices["OfficeService"]>>,
  None<Disagreeing<typeof Users, BoundServices["UserService"]>>,
  None<Disagreeing<typeof Companies, BoundServices["CompanyService"]>>,
  None<Disagreeing<typeof Handlers, BoundServices["HandlerService"]>>,
  None<Disagreeing<typeof History, BoundServices["HistoryService"]>>,
  None<Disagreeing<typeof Employees, BoundServices["EmployeeService"]>>,
];
