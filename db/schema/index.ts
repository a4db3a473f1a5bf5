export * from "./platform";
export * from "./voice";
