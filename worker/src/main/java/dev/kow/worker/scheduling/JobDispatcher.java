package dev.kow.worker.scheduling;

import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.Job;

/** Runs a job on the slot the scheduler got for it; must not block. */
@FunctionalInterface
public interface JobDispatcher {

	/**
	 * @param job the job
	 * @param lease the slot, to be released when the attempt ends
	 * @param requeue where the job goes back to when the attempt ends without an outcome
	 * (retry after a backoff, or preempted); the scheduler that dispatched it
	 */
	void dispatch(Job job, SlotLease lease, Requeue requeue);

	/** Puts a job that already had an attempt back at the front of its lane. */
	@FunctionalInterface
	interface Requeue {

		/**
		 * @param job a job whose attempt ended without an outcome; ignored when it was
		 * cancelled
		 */
		void resubmit(Job job);

	}

}
