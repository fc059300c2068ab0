package dev.kow.worker.timeouts;

/**
 * What one successful call showed. Durations in ns; token counts from Ollama's final
 * chunk.
 *
 * @param promptTokens {@code prompt_eval_count}
 * @param promptEvalNanos {@code prompt_eval_duration}
 * @param evalTokens {@code eval_count}
 * @param evalNanos {@code eval_duration}
 * @param loadNanos {@code load_duration}
 * @param meanChunkGapNanos mean gap between content chunks seen by the client, 0 when
 * under two chunks
 * @param maxChunkGapNanos longest such gap
 */
public record CallSample(int promptTokens, long promptEvalNanos, int evalTokens, long evalNanos, long loadNanos,
		long meanChunkGapNanos, long maxChunkGapNanos) {
}
