package dev.kow.worker.job;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The batches cancelled with {@code batch cancel}, as this worker has read them: a job of
 * one of them is not run (the scheduler ends it as cancelled), and a cancel stops the
 * batch's running attempts. Thread-safe.
 */
public final class CancelledBatches {

	/**
	 * Batch id to its expiry, epoch s: once its lines' deadline has passed it is dropped.
	 */
	private final Map<String, Long> cancelled = new ConcurrentHashMap<>();

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	/**
	 * @param batchId a batch id
	 * @param expiresAt when its lines' deadline passes, epoch s
	 */
	public void cancel(String batchId, long expiresAt) {
		if (this.cancelled.put(batchId, expiresAt) == null) {
			this.listeners.forEach(Runnable::run);
		}
	}

	/**
	 * Forgets cancels whose lines have all expired: none of their jobs can still run.
	 * @param nowSeconds the time, epoch s
	 */
	public void forgetExpired(long nowSeconds) {
		this.cancelled.values().removeIf(expiresAt -> expiresAt < nowSeconds);
	}

	/**
	 * @param job a job
	 * @return whether its batch was cancelled
	 */
	public boolean covers(Job job) {
		CharSequence batchId = job.request().getBatchId();
		return batchId != null && this.cancelled.containsKey(batchId.toString());
	}

	/**
	 * @param listener told after each new cancel, on the reading thread
	 */
	public void onCancel(Runnable listener) {
		this.listeners.add(listener);
	}

}
