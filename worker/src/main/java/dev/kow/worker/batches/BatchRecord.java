package dev.kow.worker.batches;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A batch as submitted, on the compacted {@code worker.topics.batches} topic (JSON, keyed
 * by batch id): written by {@code batch submit}, rewritten by {@code batch cancel}. Times
 * are epoch seconds, as in the OpenAI Batch object.
 *
 * @param id the batch id ({@code batch_<hex>}), also every line's {@code batch_id}
 * @param endpoint the lines' endpoint URL ({@code /v1/chat/completions}, ...), or
 * {@code mixed}
 * @param inputFile the input file's name
 * @param completionWindow the completion window as given ({@code 24h})
 * @param createdAt when it was submitted, epoch s
 * @param expiresAt when its lines' deadline passes, epoch s
 * @param total lines submitted
 * @param topic the lane topic its lines went to
 * @param requestIdPrefix every line's request id is this prefix and its line number
 * @param resultsFrom per results partition, the end offset when the batch was submitted:
 * none of its results can come before
 * @param deadLettersFrom the same for the dead-letter topic; empty from an older
 * {@code batch submit}
 * @param metadata the user's {@code --metadata}
 * @param parentId the batch this one retries, or null
 * @param failedAt when submitting failed (some lines were not sent), epoch s, or null
 * @param cancelledAt when it was cancelled, epoch s, or null
 */
public record BatchRecord(String id, String endpoint, String inputFile, String completionWindow, long createdAt,
		long expiresAt, int total, String topic, String requestIdPrefix, Map<Integer, Long> resultsFrom,
		Map<Integer, Long> deadLettersFrom, Map<String, String> metadata, @Nullable String parentId,
		@Nullable Long failedAt, @Nullable Long cancelledAt) {

	/** Copies the maps. */
	public BatchRecord {
		resultsFrom = Map.copyOf(resultsFrom);
		deadLettersFrom = (deadLettersFrom == null) ? Map.of() : Map.copyOf(deadLettersFrom);
		metadata = Map.copyOf(metadata);
	}

	/**
	 * @param at when, epoch s
	 * @return this batch, cancelled at {@code at} (unless it already was)
	 */
	public BatchRecord cancelled(long at) {
		return new BatchRecord(this.id, this.endpoint, this.inputFile, this.completionWindow, this.createdAt,
				this.expiresAt, this.total, this.topic, this.requestIdPrefix, this.resultsFrom, this.deadLettersFrom,
				this.metadata, this.parentId, this.failedAt, (this.cancelledAt != null) ? this.cancelledAt : at);
	}

	/**
	 * @param at when, epoch s
	 * @param sent lines actually sent
	 * @return this batch, failed at {@code at} with {@code sent} lines
	 */
	public BatchRecord failed(long at, int sent) {
		return new BatchRecord(this.id, this.endpoint, this.inputFile, this.completionWindow, this.createdAt,
				this.expiresAt, sent, this.topic, this.requestIdPrefix, this.resultsFrom, this.deadLettersFrom,
				this.metadata, this.parentId, at, this.cancelledAt);
	}

}
