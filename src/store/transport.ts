// The one way the store sends commands to the worker. bridge.ts installs the real sender;
// until then a command is an error, never silently dropped.

import type { Command } from '../worker/protocol';

let sender: ((command: Command) => void) | null = null;

export function setSender(send: (command: Command) => void): void {
  sender = send;
}

export function send(command: Command): void {
  if (!sender) throw new Error(`the training worker is not started; cannot send "${command.type}"`);
  sender(command);
}
