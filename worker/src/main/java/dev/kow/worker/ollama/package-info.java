/**
 * The Ollama HTTP client: request mapping from {@code InferenceRequest} to {@code /api/generate},
 * {@code /api/chat} and {@code /api/embed} bodies, NDJSON stream reading, error classification and the
 * three timeout budgets (time to first token, stream stall, total). Source of every behaviour:
 * {@code shared/reference/ollama-api.md}.
 */
package dev.kow.worker.ollama;
