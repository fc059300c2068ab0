package dev.kow.batch;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.kow.worker.batches.BatchCounts;
import dev.kow.worker.batches.BatchRecord;

/**
 * A batch as the OpenAI Batch object shows it: the record {@code batch submit} wrote, the
 * counts the workers publish, and the time. Status: {@code failed} when submitting
 * failed; {@code cancelling} until every line of a cancelled batch has an outcome, then
 * {@code cancelled}; {@code completed} (or {@code expired}, when its window passed and
 * lines expired) once every line has one; {@code in_progress} before.
 *
 * @param batch what was submitted
 * @param counts what the workers counted
 */
public record BatchView(BatchRecord batch, BatchCounts counts) {

	/**
	 * @param nowSeconds the time, epoch s
	 * @return the status
	 */
	public String status(long nowSeconds) {
		boolean done = this.counts.finished() >= this.batch.total();
		if (this.batch.failedAt() != null) {
			return "failed";
		}
		if (this.batch.cancelledAt() != null) {
			return done ? "cancelled" : "cancelling";
		}
		if (done) {
			return (this.counts.expired() > 0 && nowSeconds >= this.batch.expiresAt()) ? "expired" : "completed";
		}
		return "in_progress";
	}

	/**
	 * @param status a status
	 * @return whether it is final
	 */
	public static boolean isFinal(String status) {
		return switch (status) {
			case "completed", "expired", "cancelled", "failed" -> true;
			default -> false;
		};
	}

	/**
	 * @param nowSeconds the time, epoch s
	 * @return the OpenAI Batch object's fields, in its order, plus
	 * {@code parent_batch_id} and the counts {@code expired}, {@code cancelled} and
	 * {@code in_progress}
	 */
	public Map<String, Object> toJson(long nowSeconds) {
		String status = status(nowSeconds);
		long finishedAt = (this.counts.lastFinishedAtMs() > 0) ? this.counts.lastFinishedAtMs() / 1000 : nowSeconds;
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("id", this.batch.id());
		json.put("object", "batch");
		json.put("endpoint", this.batch.endpoint());
		json.put("errors", null);
		json.put("input_file_id", this.batch.inputFile());
		json.put("completion_window", this.batch.completionWindow());
		json.put("status", status);
		json.put("output_file_id", null);
		json.put("error_file_id", null);
		json.put("created_at", this.batch.createdAt());
		json.put("in_progress_at", (this.batch.failedAt() == null) ? this.batch.createdAt() : null);
		json.put("expires_at", this.batch.expiresAt());
		json.put("finalizing_at", null);
		json.put("completed_at", status.equals("completed") ? finishedAt : null);
		json.put("failed_at", this.batch.failedAt());
		json.put("expired_at", status.equals("expired") ? finishedAt : null);
		json.put("cancelling_at", this.batch.cancelledAt());
		json.put("cancelled_at", status.equals("cancelled") ? finishedAt : null);
		Map<String, Object> requestCounts = new LinkedHashMap<>();
		requestCounts.put("total", this.batch.total());
		requestCounts.put("completed", this.counts.completed());
		requestCounts.put("failed", this.counts.failed());
		requestCounts.put("expired", this.counts.expired());
		requestCounts.put("cancelled", this.counts.cancelled());
		requestCounts.put("in_progress", Math.max(0, this.batch.total() - this.counts.finished()));
		json.put("request_counts", requestCounts);
		json.put("metadata", this.batch.metadata());
		json.put("parent_batch_id", this.batch.parentId());
		return json;
	}

}
