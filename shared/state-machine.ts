import { AppError } from "./errors";

/**
 * A status machine: where each status may go next; a status with nowhere to go is final. Services
 * move a row with one conditional UPDATE whose WHERE is `predecessorsOf(target)`, and answer a
 * refused move with `refuse` (422, naming the moves that are allowed).
 */
export function stateMachine<S extends string>(noun: string, transitions: Record<S, readonly S[]>) {
  const statuses = Object.keys(transitions) as S[];
  return {
    transitions,
    /** The statuses a row may be in to move to `target`. */
    predecessorsOf: (target: S): S[] => statuses.filter((from) => transitions[from].includes(target)),
    isFinal: (status: S): boolean => transitions[status].length === 0,
    refuse(current: S, target: S): AppError {
      const allowed = transitions[current];
      return new AppError(
        "UNPROCESSABLE",
        allowed.length === 0
          ? `A ${current} ${noun} cannot change status (it is final)`
          : `A ${current} ${noun} can move only to: ${allowed.join(", ")}`,
        [{ path: "body.status", message: `Cannot move from ${current} to ${target}`, allowed }],
      );
    },
  };
}
