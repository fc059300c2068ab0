package dev.kow.worker.intake;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;

/**
 * When to pause and resume a partition, as a pure rule over what the worker holds in
 * memory. A partition is paused when it holds {@code max-buffered-per-partition} records
 * in progress, when its lane holds {@code max-buffered-per-lane}, or while it is held
 * (schema registry outage); it is resumed once both are at half or less and no hold
 * lasts. Pausing is per partition, so a batch backlog never stops high-priority records
 * from being read. Not thread-safe: the intake thread owns it.
 */
final class Backpressure {

	private final int maxPerPartition;

	private final int maxPerLane;

	private final Set<TopicPartition> paused = new HashSet<>();

	private final Map<TopicPartition, Instant> holds = new HashMap<>();

	private long pauses;

	/**
	 * What a partition holds now.
	 *
	 * @param partition the partition
	 * @param pending its records read and not yet done
	 * @param laneLoad records of its lane read and not yet done, over all partitions
	 */
	record Load(TopicPartition partition, int pending, int laneLoad) {
	}

	/**
	 * What to tell the consumer.
	 *
	 * @param pause partitions to pause now
	 * @param resume partitions to resume now
	 */
	record Changes(Set<TopicPartition> pause, Set<TopicPartition> resume) {
	}

	/**
	 * @param maxPerPartition {@code worker.scheduling.max-buffered-per-partition}, at
	 * least 1
	 * @param maxPerLane {@code worker.scheduling.max-buffered-per-lane}, at least 1
	 */
	Backpressure(int maxPerPartition, int maxPerLane) {
		this.maxPerPartition = maxPerPartition;
		this.maxPerLane = maxPerLane;
	}

	/**
	 * Keeps a partition paused until a time, whatever its load (the schema registry is
	 * down).
	 * @param partition the partition
	 * @param until when the hold ends
	 */
	void holdUntil(TopicPartition partition, Instant until) {
		this.holds.put(partition, until);
	}

	/**
	 * Decides the pauses and resumes, and records them as done.
	 * @param loads every assigned partition's load
	 * @param now the wall-clock time, for the holds
	 * @return the partitions to pause and to resume
	 */
	Changes evaluate(Collection<Load> loads, Instant now) {
		this.holds.values().removeIf(until -> !until.isAfter(now));
		Set<TopicPartition> toPause = new HashSet<>();
		Set<TopicPartition> toResume = new HashSet<>();
		for (Load load : loads) {
			TopicPartition partition = load.partition();
			boolean held = this.holds.containsKey(partition);
			boolean full = load.pending() >= this.maxPerPartition || load.laneLoad() >= this.maxPerLane || held;
			boolean roomAgain = load.pending() <= this.maxPerPartition / 2 && load.laneLoad() <= this.maxPerLane / 2
					&& !held;
			boolean isPaused = this.paused.contains(partition);
			if (!isPaused && full) {
				toPause.add(partition);
			}
			else if (isPaused && roomAgain) {
				toResume.add(partition);
			}
		}
		this.paused.addAll(toPause);
		this.paused.removeAll(toResume);
		this.pauses += toPause.size();
		return new Changes(toPause, toResume);
	}

	/**
	 * @param partition a partition no longer assigned; its pause and hold are dropped
	 */
	void forget(TopicPartition partition) {
		this.paused.remove(partition);
		this.holds.remove(partition);
	}

	/**
	 * @return how many times a partition was paused
	 */
	long pauses() {
		return this.pauses;
	}

}
