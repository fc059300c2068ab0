/**
 * The Ollama HTTP client: request mapping from {@code InferenceRequest} to
 * {@code /api/generate}, {@code /api/chat} and {@code /api/embed} bodies, NDJSON stream
 * reading, error classification and the three timeout budgets (time to first token,
 * stream stall, total). The Ollama behaviour it relies on, with links to Ollama's docs
 * and source: {@code docs/ollama-behaviour.md}.
 */
@NullMarked
package dev.kow.worker.ollama;

import org.jspecify.annotations.NullMarked;
