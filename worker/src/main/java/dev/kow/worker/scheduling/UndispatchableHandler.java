package dev.kow.worker.scheduling;

import dev.kow.worker.job.Job;

/**
 * Receives jobs the scheduler will not dispatch: deadline passed, no host serves the
 * model, or the job's batch was cancelled.
 */
public interface UndispatchableHandler {

	/**
	 * @param job a job whose deadline passed while it waited
	 */
	void expired(Job job);

	/**
	 * @param job a job for a model no configured host serves
	 */
	void unroutable(Job job);

	/**
	 * @param job a job of a cancelled batch
	 */
	void batchCancelled(Job job);

}
