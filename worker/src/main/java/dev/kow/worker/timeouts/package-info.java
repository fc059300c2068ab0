/**
 * Adaptive timeouts: per (host, model) budgets for the time to first token, the gap
 * between stream chunks and the whole call, learned from Ollama's own metrics
 * ({@code load_duration}, {@code prompt_eval_count}/{@code prompt_eval_duration},
 * {@code eval_count}/{@code eval_duration}) and the gaps the client saw. Pure functions
 * of samples: no clock, no I/O.
 */
@NullMarked
package dev.kow.worker.timeouts;

import org.jspecify.annotations.NullMarked;
