package dev.kow.worker.batches;

import dev.kow.avro.ErrorCategory;
import dev.kow.avro.InferenceResult;

/**
 * The outcome of one request of a batch, as the aggregation keeps it per request id.
 *
 * @param batchId the request's {@code batch_id}
 * @param count which count it adds to
 * @param finishedAtMs the result's {@code finished_at}, epoch ms
 */
public record BatchOutcome(String batchId, Count count, long finishedAtMs) {

	/** The counts of the OpenAI Batch object's {@code request_counts}, plus ours. */
	public enum Count {

		/** Answered ({@code SUCCEEDED}); OpenAI's {@code completed}. */
		COMPLETED,
		/** Failed for good; OpenAI's {@code failed}. */
		FAILED,
		/** Its deadline (the batch's completion window) passed first. */
		EXPIRED,
		/** Its batch was cancelled before it ran to the end. */
		CANCELLED

	}

	/**
	 * @param result a result with a {@code batch_id}
	 * @return its outcome
	 */
	static BatchOutcome of(InferenceResult result) {
		Count count = switch (result.getStatus()) {
			case SUCCEEDED -> Count.COMPLETED;
			case EXPIRED -> Count.EXPIRED;
			case FAILED -> (result.getError() != null && result.getError().getCategory() == ErrorCategory.CANCELLED)
					? Count.CANCELLED : Count.FAILED;
		};
		return new BatchOutcome(String.valueOf(result.getBatchId()), count, result.getFinishedAt().toEpochMilli());
	}

}
