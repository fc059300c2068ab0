package dev.kow.worker.scheduling;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * The three lanes' FIFO queues and which lane goes next: stride scheduling by weight
 * (each lane's pass grows by {@code 1/weight} per dispatch; the non-empty lane with the
 * smallest pass goes next, ties to the more urgent lane; a lane that was empty re-enters
 * at the current virtual time, so idle time earns no credit), overridden by aging (a job
 * waiting longer than {@code aging} goes next). Not thread-safe: {@link LaneScheduler}
 * guards it.
 */
final class LaneQueues {

	private final Map<Lane, ArrayDeque<Job>> queues = new EnumMap<>(Lane.class);

	private final Map<Lane, Double> stride = new EnumMap<>(Lane.class);

	private final Map<Lane, Double> pass = new EnumMap<>(Lane.class);

	/** Jobs waiting per model, over every lane. */
	private final Map<String, Integer> perModel = new HashMap<>();

	private final long agingNanos;

	private double virtualTime;

	/**
	 * @param weights weight per lane
	 * @param aging wait after which a job goes next regardless of weights
	 */
	LaneQueues(LaneWeights weights, Duration aging) {
		this.agingNanos = aging.toNanos();
		for (Lane lane : Lane.values()) {
			this.queues.put(lane, new ArrayDeque<>());
			this.stride.put(lane, 1.0 / weights.of(lane));
			this.pass.put(lane, 0.0);
		}
	}

	private ArrayDeque<Job> queue(Lane lane) {
		ArrayDeque<Job> queue = this.queues.get(lane);
		if (queue == null) {
			throw new IllegalStateException("no queue for lane " + lane);
		}
		return queue;
	}

	private double pass(Lane lane) {
		Double value = this.pass.get(lane);
		return value == null ? 0 : value;
	}

	/**
	 * @param job a job
	 * @param front whether it goes first in its lane (a retry or a preempted job)
	 */
	void add(Job job, boolean front) {
		ArrayDeque<Job> queue = queue(job.lane());
		if (queue.isEmpty()) {
			this.pass.put(job.lane(), Math.max(pass(job.lane()), this.virtualTime));
		}
		if (front) {
			queue.addFirst(job);
		}
		else {
			queue.addLast(job);
		}
		this.perModel.merge(job.model(), 1, Integer::sum);
	}

	private Job removed(Job job) {
		this.perModel.computeIfPresent(job.model(), (model, count) -> (count > 1) ? count - 1 : null);
		return job;
	}

	/**
	 * @param lane a lane
	 * @return its first job, or null when it is empty
	 */
	@Nullable Job head(Lane lane) {
		return queue(lane).peekFirst();
	}

	/**
	 * Removes a lane's first job without counting it as a dispatch (cancelled, expired,
	 * unroutable).
	 * @param lane a non-empty lane
	 * @return its first job
	 */
	Job drop(Lane lane) {
		return removed(queue(lane).removeFirst());
	}

	/**
	 * Removes a lane's first job as dispatched: the lane's pass advances by its stride.
	 * @param lane a non-empty lane
	 * @return its first job
	 */
	Job take(Lane lane) {
		this.virtualTime = pass(lane);
		this.pass.put(lane, pass(lane) + this.stride.getOrDefault(lane, 1.0));
		return removed(queue(lane).removeFirst());
	}

	/**
	 * @param nowNanos nano-clock time, for aging
	 * @return the lane to serve next, or null when all are empty
	 */
	@Nullable Lane next(long nowNanos) {
		Lane best = null;
		Lane oldest = null;
		long oldestSince = Long.MAX_VALUE;
		for (Lane lane : Lane.values()) {
			Job head = head(lane);
			if (head == null) {
				continue;
			}
			long since = head.queuedSinceNanos();
			if (nowNanos - since > this.agingNanos && since < oldestSince) {
				oldest = lane;
				oldestSince = since;
			}
			if (best == null || pass(lane) < pass(best)) {
				best = lane;
			}
		}
		return oldest != null ? oldest : best;
	}

	/**
	 * @param partition a revoked partition
	 * @return its queued jobs, now removed
	 */
	List<Job> removePartition(TopicPartition partition) {
		return removeIf(job -> job.source().partition().equals(partition));
	}

	/**
	 * @param which the jobs to remove
	 * @return the queued jobs that matched, now removed
	 */
	List<Job> removeIf(Predicate<Job> which) {
		List<Job> removed = new ArrayList<>();
		for (ArrayDeque<Job> queue : this.queues.values()) {
			queue.removeIf(job -> {
				boolean match = which.test(job);
				if (match) {
					removed.add(removed(job));
				}
				return match;
			});
		}
		return removed;
	}

	/**
	 * @param lane a lane
	 * @return jobs waiting in it
	 */
	int size(Lane lane) {
		return queue(lane).size();
	}

	/**
	 * @return nano-clock time the longest-waiting head entered its lane, or empty
	 */
	OptionalLong oldestSinceNanos() {
		return this.queues.values()
			.stream()
			.filter(queue -> !queue.isEmpty())
			.mapToLong(queue -> queue.getFirst().queuedSinceNanos())
			.min();
	}

	/**
	 * @return the models of the waiting jobs (normalised names)
	 */
	Set<String> models() {
		return Set.copyOf(this.perModel.keySet());
	}

	/**
	 * @return jobs waiting per lane
	 */
	Map<Lane, Integer> sizes() {
		Map<Lane, Integer> sizes = new EnumMap<>(Lane.class);
		this.queues.forEach((lane, queue) -> sizes.put(lane, queue.size()));
		return sizes;
	}

}
