package dev.kow.worker.batches;

/**
 * A batch's finished lines by outcome, as the aggregation publishes them to
 * {@code worker.topics.batch-counts} (JSON, keyed by batch id). Each request counts once
 * however often its result was published (duplicates after a crash replace, not add).
 *
 * @param batchId the batch
 * @param completed lines answered
 * @param failed lines failed for good
 * @param expired lines whose deadline passed first
 * @param cancelled lines stopped by a cancel
 * @param lastFinishedAtMs the latest {@code finished_at} counted, epoch ms; 0 when none
 */
public record BatchCounts(String batchId, int completed, int failed, int expired, int cancelled,
		long lastFinishedAtMs) {

	/**
	 * @param batchId a batch
	 * @return no line counted yet
	 */
	public static BatchCounts none(String batchId) {
		return new BatchCounts(batchId, 0, 0, 0, 0, 0);
	}

	/**
	 * @return lines finished, in every outcome
	 */
	public int finished() {
		return this.completed + this.failed + this.expired + this.cancelled;
	}

	BatchCounts add(BatchOutcome outcome) {
		return with(outcome, 1).latest(outcome.finishedAtMs());
	}

	BatchCounts remove(BatchOutcome outcome) {
		return with(outcome, -1);
	}

	private BatchCounts latest(long finishedAtMs) {
		return new BatchCounts(this.batchId, this.completed, this.failed, this.expired, this.cancelled,
				Math.max(this.lastFinishedAtMs, finishedAtMs));
	}

	private BatchCounts with(BatchOutcome outcome, int delta) {
		return switch (outcome.count()) {
			case COMPLETED -> new BatchCounts(this.batchId, this.completed + delta, this.failed, this.expired,
					this.cancelled, this.lastFinishedAtMs);
			case FAILED -> new BatchCounts(this.batchId, this.completed, this.failed + delta, this.expired,
					this.cancelled, this.lastFinishedAtMs);
			case EXPIRED -> new BatchCounts(this.batchId, this.completed, this.failed, this.expired + delta,
					this.cancelled, this.lastFinishedAtMs);
			case CANCELLED -> new BatchCounts(this.batchId, this.completed, this.failed, this.expired,
					this.cancelled + delta, this.lastFinishedAtMs);
		};
	}

}
