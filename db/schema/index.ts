export * from "./platform";
export * from "./returns";
export * from "./voice";
