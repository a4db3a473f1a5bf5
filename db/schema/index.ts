export * from "./commerce";
export * from "./inbox";
export * from "./platform";
export * from "./returns";
export * from "./sales";
export * from "./voice";
export * from "./whatsapp";
