package dev.kow.worker.scheduling;

import dev.kow.worker.job.Job;

/**
 * Receives jobs the scheduler will not dispatch: deadline passed, or no host serves the
 * model.
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

}
