import type { FinishReason } from '@tollgate/core';
import type { StopReason } from './types.js';

/**
 * Anthropic's `stop_reason` beside the canonical `finish_reason`. An upstream's answer reads a row
 * left to right; a client's answer reads it right to left, where the first row of a finish reason
 * is the stop reason it gets.
 */
const ROWS: ReadonlyArray<readonly [StopReason, FinishReason]> = [
  ['end_turn', 'stop'],
  ['max_tokens', 'length'],
  ['tool_use', 'tool_calls'],
  ['refusal', 'content_filter'],
  ['stop_sequence', 'stop'],
  ['pause_turn', 'stop'],
  ['model_context_window_exceeded', 'length'],
];

const TO_FINISH = new Map<string, FinishReason>(ROWS);
const TO_STOP = new Map<string, StopReason>(ROWS.map(([stop, finish]) => [finish, stop] as const).reverse());
// Legacy function calling is a tool call too.
TO_STOP.set('function_call', 'tool_use');

/** An Anthropic stop_reason as the canonical finish_reason (`stop` when absent or unknown). */
export function mapStopReason(reason: string | null | undefined): FinishReason {
  return (reason && TO_FINISH.get(reason)) || 'stop';
}

/** A canonical finish_reason as Anthropic's stop_reason (`end_turn` when absent). */
export function stopReasonOf(finish: FinishReason | null | undefined): StopReason {
  return (finish && TO_STOP.get(finish)) || 'end_turn';
}
