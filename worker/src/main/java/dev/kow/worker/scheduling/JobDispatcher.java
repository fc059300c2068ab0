package dev.kow.worker.scheduling;

import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.Job;

/** Runs a job on the slot the scheduler got for it; must not block. */
@FunctionalInterface
public interface JobDispatcher {

	/**
	 * @param job the job
	 * @param lease the slot, to be released when the attempt ends
	 */
	void dispatch(Job job, SlotLease lease);
}
