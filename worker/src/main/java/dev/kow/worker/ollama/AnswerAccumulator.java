package dev.kow.worker.ollama;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

import tools.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link OllamaAnswer} from the lines of one answer: text deltas from
 * {@code response} or {@code message.content}, {@code thinking}, the metrics of the
 * {@code done:true} chunk, or the {@code embeddings} of an embed answer. Not thread-safe:
 * one per call.
 */
final class AnswerAccumulator {

	private final String host;

	private final boolean embed;

	private final StringBuilder text = new StringBuilder();

	private final StringBuilder thinking = new StringBuilder();

	private final List<float[]> embeddings = new ArrayList<>();

	private int chunks;

	private @Nullable JsonNode last;

	private boolean done;

	private final LongSupplier nanoClock;

	private final long startNanos;

	private long firstChunkNanos;

	private long lastChunkNanos;

	private long gapSumNanos;

	private long maxGapNanos;

	AnswerAccumulator(String host, boolean embed, LongSupplier nanoClock) {
		this.host = host;
		this.embed = embed;
		this.nanoClock = nanoClock;
		this.startNanos = nanoClock.getAsLong();
	}

	/**
	 * @param line one parsed line
	 * @throws OllamaCallException {@link FailureKind#STREAM_ERROR} for an {@code error}
	 * line
	 */
	void accept(JsonNode line) {
		if (line.hasNonNull("error")) {
			throw new OllamaCallException(this.host, FailureKind.STREAM_ERROR, 200, this.chunks,
					line.path("error").asString());
		}
		if (this.embed) {
			for (JsonNode vector : line.path("embeddings")) {
				float[] values = new float[vector.size()];
				for (int i = 0; i < values.length; i++) {
					values[i] = (float) vector.get(i).asDouble();
				}
				this.embeddings.add(values);
			}
			this.last = line;
			this.done = true;
			return;
		}
		JsonNode source = line.has("message") ? line.path("message") : line;
		String delta = source.path(line.has("message") ? "content" : "response").asString("");
		String thought = source.path("thinking").asString("");
		if (!delta.isEmpty() || !thought.isEmpty()) {
			long now = this.nanoClock.getAsLong();
			if (this.chunks == 0) {
				this.firstChunkNanos = now;
			}
			else {
				long gap = now - this.lastChunkNanos;
				this.gapSumNanos += gap;
				this.maxGapNanos = Math.max(this.maxGapNanos, gap);
			}
			this.lastChunkNanos = now;
			this.chunks++;
		}
		this.text.append(delta);
		this.thinking.append(thought);
		if (line.path("done").asBoolean(false)) {
			this.done = true;
			this.last = line;
		}
	}

	/**
	 * @return content chunks received so far
	 */
	int chunks() {
		return this.chunks;
	}

	/**
	 * @return the answer
	 * @throws OllamaCallException {@link FailureKind#TRUNCATED} when no final chunk
	 * arrived
	 */
	OllamaAnswer finish() {
		if (!this.done) {
			throw new OllamaCallException(this.host, FailureKind.TRUNCATED, 200, this.chunks,
					"the stream ended without a done:true chunk after " + this.chunks + " chunks");
		}
		JsonNode last = Objects.requireNonNull(this.last, "a done chunk was read");
		return new OllamaAnswer(this.embed ? null : this.text.toString(),
				this.thinking.isEmpty() ? null : this.thinking.toString(), List.copyOf(this.embeddings),
				this.embed ? null : last.path("done_reason").asString(null), last.path("prompt_eval_count").asInt(0),
				last.path("eval_count").asInt(0), last.path("total_duration").asLong(0),
				last.path("load_duration").asLong(0), last.path("prompt_eval_duration").asLong(0),
				last.path("eval_duration").asLong(0),
				this.chunks == 0 ? this.nanoClock.getAsLong() - this.startNanos
						: this.firstChunkNanos - this.startNanos,
				this.chunks < 2 ? 0 : this.gapSumNanos / (this.chunks - 1), this.maxGapNanos);
	}

}
