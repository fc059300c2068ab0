/**
 * An Ollama-compatible HTTP server for tests and benchmarks, following
 * {@code docs/ollama-behaviour.md} ("What the simulator implements"): NDJSON streaming
 * with headers at the first token, per-model runners with {@code OLLAMA_NUM_PARALLEL}
 * slots and an unbounded FIFO slot queue, a bounded pending queue for loads
 * ({@code OLLAMA_MAX_QUEUE}, 503 on overflow), serialized cold loads, keep-alive,
 * Ollama's exact error bodies, deterministic text, a time-scale factor and fault
 * injection.
 */
package dev.kow.sim;
