package dev.kow.worker.intake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import dev.kow.worker.job.Job;
import dev.kow.worker.scheduling.LaneScheduler;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rebalance side of intake ({@link ConsumerRebalanceListener}, called on the intake
 * thread inside {@code poll}). On revocation, the partitions' queued jobs are dropped
 * (never started: the new owner runs them), their in-flight calls get up to
 * {@code revoke-grace} to finish (woken by each completion, no polling), then the
 * completed offsets are committed synchronously and whatever still runs is cancelled.
 * Because a partition's jobs are dispatched in offset order, the commit then reaches the
 * first dropped job, so only calls still running after the grace are done twice (the
 * duplicate window). Lost partitions (the session expired) are forgotten without a
 * commit.
 */
final class Revocation implements ConsumerRebalanceListener {

	private static final Logger log = LoggerFactory.getLogger(Revocation.class);

	private final Consumer<?, ?> consumer;

	private final PartitionRegistry registry;

	private final LaneScheduler scheduler;

	private final Backpressure backpressure;

	private final Duration grace;

	private final Duration commitTimeout;

	private final LongSupplier nanoClock;

	/** This worker's member id in the consumer group, once it has one. */
	private volatile @Nullable String memberId;

	/**
	 * Counts rebalances (assignments, revocations, losses); written by the intake thread
	 * only.
	 */
	private volatile int rebalances;

	/**
	 * @param consumer the intake consumer
	 * @param registry what the worker holds of its partitions
	 * @param scheduler the queues to drop revoked partitions' jobs from
	 * @param backpressure forgets the pauses of revoked partitions
	 * @param grace {@code worker.intake.revoke-grace}
	 * @param commitTimeout {@code worker.intake.commit-timeout}: longest wait for the
	 * commit of the revoked partitions
	 * @param nanoClock monotonic clock, ns
	 */
	Revocation(Consumer<?, ?> consumer, PartitionRegistry registry, LaneScheduler scheduler, Backpressure backpressure,
			Duration grace, Duration commitTimeout, LongSupplier nanoClock) {
		this.commitTimeout = commitTimeout;
		this.consumer = consumer;
		this.registry = registry;
		this.scheduler = scheduler;
		this.backpressure = backpressure;
		this.grace = grace;
		this.nanoClock = nanoClock;
	}

	@Override
	public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
		awaitInFlight(partitions);
		Map<TopicPartition, OffsetAndMetadata> offsets = this.registry.committable(false, partitions);
		if (!offsets.isEmpty()) {
			try {
				this.consumer.commitSync(offsets, this.commitTimeout);
			}
			catch (RuntimeException ex) {
				log.warn("commit on revocation failed; the new owner will redo some records: {}", ex.toString());
			}
		}
		forget(partitions);
		this.rebalances++;
		log.info("partitions revoked: {} (committed {})", partitions, offsets);
	}

	/**
	 * Drops queued jobs of the partitions and lets their in-flight ones finish, up to the
	 * grace.
	 */
	private void awaitInFlight(Collection<TopicPartition> partitions) {
		Set<Job> dropped = new HashSet<>();
		for (TopicPartition partition : partitions) {
			dropped.addAll(this.scheduler.removePartition(partition));
		}
		long until = this.nanoClock.getAsLong() + this.grace.toNanos();
		this.registry.applyCompletions();
		try {
			while (this.registry.anyInProgress(partitions, dropped)) {
				long left = until - this.nanoClock.getAsLong();
				if (left <= 0) {
					return;
				}
				this.registry.awaitCompletion(left);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void onPartitionsLost(Collection<TopicPartition> partitions) {
		forget(partitions);
		this.rebalances++;
		log.warn("partitions lost: {}", partitions);
	}

	@Override
	public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
		partitions.forEach(this.registry::assign);
		this.memberId = this.consumer.groupMetadata().memberId();
		this.rebalances++;
		log.info("partitions assigned: {}", partitions);
	}

	/**
	 * Forgets partitions: their trackers are revoked and every job of theirs, queued or
	 * running, is cancelled.
	 * @param partitions partitions no longer (or soon no longer) this worker's
	 */
	void forget(Collection<TopicPartition> partitions) {
		for (TopicPartition partition : partitions) {
			this.registry.forget(partition);
			cancelJobs(partition);
			this.backpressure.forget(partition);
		}
	}

	/**
	 * Cancels every job of a partition, queued or running; its tracker stays (the
	 * shutdown drain still commits it).
	 * @param partition the partition
	 */
	void cancelJobs(TopicPartition partition) {
		List<Job> cancelled = new ArrayList<>(this.scheduler.removePartition(partition));
		cancelled.addAll(this.registry.removeJobs(partition));
		cancelled.forEach(Job::cancel);
	}

	/**
	 * @return this worker's member id in the consumer group, or null before its first
	 * assignment
	 */
	@Nullable String memberId() {
		return this.memberId;
	}

	/**
	 * @return how many rebalances this worker has taken part in
	 */
	int rebalances() {
		return this.rebalances;
	}

}
