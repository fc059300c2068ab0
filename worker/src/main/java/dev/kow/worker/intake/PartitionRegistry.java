package dev.kow.worker.intake;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What this worker holds of its assigned partitions: each partition's offset tracker
 * ({@link PartitionOffsets}), its jobs read and not yet done, and per lane how many
 * records are in progress. Completions arrive from any thread into a queue and are
 * applied on the intake thread, which owns everything else here.
 */
final class PartitionRegistry {

	private final Map<String, Lane> lanes;

	private final Map<TopicPartition, PartitionOffsets> trackers = new HashMap<>();

	private final Map<TopicPartition, Map<Long, Job>> jobs = new HashMap<>();

	private final Map<Lane, Integer> laneBuffered = new ConcurrentHashMap<>();

	private final LinkedBlockingQueue<SourceRecord> completed = new LinkedBlockingQueue<>();

	/**
	 * @param lanes topic name to lane
	 */
	PartitionRegistry(Map<String, Lane> lanes) {
		this.lanes = Map.copyOf(lanes);
	}

	/**
	 * @param partition a partition newly assigned; gets a fresh tracker (a new assignment
	 * epoch)
	 */
	void assign(TopicPartition partition) {
		this.trackers.put(partition, new PartitionOffsets(partition));
	}

	/**
	 * @param partition a partition
	 * @return its tracker while it is assigned
	 */
	Optional<PartitionOffsets> tracker(TopicPartition partition) {
		return Optional.ofNullable(this.trackers.get(partition));
	}

	/**
	 * @return the assigned partitions' trackers
	 */
	Collection<PartitionOffsets> trackers() {
		return this.trackers.values();
	}

	/**
	 * @return the assigned partitions
	 */
	Set<TopicPartition> partitions() {
		return Set.copyOf(this.trackers.keySet());
	}

	/**
	 * @param topic a lane topic
	 * @return its lane
	 */
	Lane lane(String topic) {
		Lane lane = this.lanes.get(topic);
		if (lane == null) {
			throw new IllegalArgumentException("not a lane topic: " + topic);
		}
		return lane;
	}

	/**
	 * Registers a record read: it is in progress until {@link #completed} reports it.
	 * @param tracker the tracker of its partition's current assignment
	 * @param offset its offset
	 * @return its source, to hand to the job or the dead letter
	 */
	SourceRecord track(PartitionOffsets tracker, long offset) {
		tracker.register(offset);
		this.laneBuffered.merge(lane(tracker.partition().topic()), 1, Integer::sum);
		return new SourceRecord(tracker.partition(), offset, tracker);
	}

	/**
	 * @param job a job read from a tracked record
	 */
	void add(Job job) {
		this.jobs.computeIfAbsent(job.source().partition(), p -> new HashMap<>()).put(job.source().offset(), job);
	}

	/**
	 * @param source a record done (its outcome acknowledged); any thread
	 */
	void completed(SourceRecord source) {
		this.completed.add(source);
	}

	/** Applies the completions reported so far; intake thread. */
	void applyCompletions() {
		SourceRecord done;
		while ((done = this.completed.poll()) != null) {
			apply(done);
		}
	}

	/**
	 * Waits for the next completion and applies it with any others that came meanwhile.
	 * @param timeoutNanos longest wait, ns
	 * @return whether a completion came
	 * @throws InterruptedException when the intake thread is interrupted
	 */
	boolean awaitCompletion(long timeoutNanos) throws InterruptedException {
		SourceRecord done = this.completed.poll(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
		if (done == null) {
			return false;
		}
		apply(done);
		applyCompletions();
		return true;
	}

	private void apply(SourceRecord done) {
		PartitionOffsets tracker = done.tracker();
		if (tracker.revoked()) {
			return;
		}
		tracker.complete(done.offset());
		this.laneBuffered.merge(lane(done.partition().topic()), -1, Integer::sum);
		Map<Long, Job> partitionJobs = this.jobs.get(done.partition());
		if (partitionJobs != null) {
			partitionJobs.remove(done.offset());
		}
	}

	/**
	 * @param partitions some partitions
	 * @param except jobs not to count (dropped before they started)
	 * @return whether any job of those partitions is still in progress
	 */
	boolean anyInProgress(Collection<TopicPartition> partitions, Set<Job> except) {
		return partitions.stream()
			.map(this.jobs::get)
			.filter(m -> m != null)
			.flatMap(m -> m.values().stream())
			.anyMatch(job -> !except.contains(job));
	}

	/**
	 * @return whether any assigned partition has records in progress
	 */
	boolean anyPending() {
		return this.trackers.values().stream().anyMatch(t -> t.pendingCount() > 0);
	}

	/**
	 * @param partition a partition
	 * @return its jobs still in progress, now forgotten (the caller cancels them)
	 */
	List<Job> removeJobs(TopicPartition partition) {
		Map<Long, Job> running = this.jobs.remove(partition);
		return running == null ? List.of() : new ArrayList<>(running.values());
	}

	/**
	 * Forgets a partition that is no longer assigned: its tracker is revoked (later
	 * completions of its records are ignored) and its records leave the lane's count. Its
	 * jobs are left to {@link #removeJobs}.
	 * @param partition the partition
	 */
	void forget(TopicPartition partition) {
		PartitionOffsets tracker = this.trackers.remove(partition);
		if (tracker != null) {
			tracker.revoke();
			this.laneBuffered.merge(lane(partition.topic()), -tracker.pendingCount(), Integer::sum);
		}
	}

	/**
	 * @param onlyNew whether to leave out partitions whose committable offset was
	 * committed already
	 * @param partitions the partitions to look at
	 * @return the offsets to commit: per partition, the lowest offset still in progress
	 * (or the next after the last done)
	 */
	Map<TopicPartition, OffsetAndMetadata> committable(boolean onlyNew, Collection<TopicPartition> partitions) {
		Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
		for (TopicPartition partition : partitions) {
			PartitionOffsets tracker = this.trackers.get(partition);
			if (tracker != null && tracker.committable() >= 0 && (!onlyNew || tracker.hasNewCommit())) {
				offsets.put(partition, new OffsetAndMetadata(tracker.committable()));
			}
		}
		return offsets;
	}

	/**
	 * @param partition a partition
	 * @param offset the offset the broker confirmed as committed
	 */
	void markCommitted(TopicPartition partition, long offset) {
		PartitionOffsets tracker = this.trackers.get(partition);
		if (tracker != null) {
			tracker.markCommitted(offset);
		}
	}

	/**
	 * @param lane a lane
	 * @return records of the lane read and not yet done; any thread
	 */
	int buffered(Lane lane) {
		return this.laneBuffered.getOrDefault(lane, 0);
	}

}
