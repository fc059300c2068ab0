package dev.kow.worker.ollama;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A complete Ollama answer. Metrics are Ollama's final-chunk fields; each is 0 when
 * Ollama left it out (it omits zero values).
 *
 * @param text GENERATE: {@code response}; CHAT: {@code message.content}, concatenated;
 * null for EMBED
 * @param thinking {@code thinking} text, or null when none
 * @param embeddings EMBED: the vectors in input order; empty otherwise
 * @param doneReason {@code done_reason} (stop, length), or null for EMBED
 * @param promptEvalCount {@code prompt_eval_count}, tokens
 * @param evalCount {@code eval_count}, tokens
 * @param totalDurationNanos {@code total_duration}, ns
 * @param loadDurationNanos {@code load_duration}, ns
 * @param promptEvalDurationNanos {@code prompt_eval_duration}, ns
 * @param evalDurationNanos {@code eval_duration}, ns
 * @param timeToFirstChunkNanos from sending the request to the first content chunk, as
 * the client saw it, ns
 * @param meanChunkGapNanos mean gap between content chunks as the client saw them, ns; 0
 * with under two
 * @param maxChunkGapNanos longest such gap, ns
 */
public record OllamaAnswer(@Nullable String text, @Nullable String thinking, List<float[]> embeddings,
		@Nullable String doneReason, int promptEvalCount, int evalCount, long totalDurationNanos,
		long loadDurationNanos, long promptEvalDurationNanos, long evalDurationNanos, long timeToFirstChunkNanos,
		long meanChunkGapNanos, long maxChunkGapNanos) {
}
