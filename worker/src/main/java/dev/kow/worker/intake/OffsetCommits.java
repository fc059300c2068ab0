package dev.kow.worker.intake;

import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and how the intake commits: asynchronously every {@code commit-interval} while
 * running (only partitions whose committable offset moved), and synchronously before
 * leaving the group. Each partition is committed up to its lowest record still in
 * progress ({@link PartitionRegistry}). Intake thread only.
 */
final class OffsetCommits {

	private static final Logger log = LoggerFactory.getLogger(OffsetCommits.class);

	private final Consumer<?, ?> consumer;

	private final PartitionRegistry registry;

	private final long intervalNanos;

	private final LongSupplier nanoClock;

	private long lastCommitNanos;

	/**
	 * @param consumer the intake consumer
	 * @param registry the partitions' trackers
	 * @param interval {@code worker.intake.commit-interval}
	 * @param nanoClock monotonic clock, ns
	 */
	OffsetCommits(Consumer<?, ?> consumer, PartitionRegistry registry, Duration interval, LongSupplier nanoClock) {
		this.consumer = consumer;
		this.registry = registry;
		this.intervalNanos = interval.toNanos();
		this.nanoClock = nanoClock;
	}

	/**
	 * Commits what moved, asynchronously, when the interval has passed since the last
	 * commit.
	 */
	void commitIfDue() {
		long nanos = this.nanoClock.getAsLong();
		if (nanos - this.lastCommitNanos < this.intervalNanos) {
			return;
		}
		this.lastCommitNanos = nanos;
		Map<TopicPartition, OffsetAndMetadata> offsets = this.registry.committable(true, this.registry.partitions());
		if (offsets.isEmpty()) {
			return;
		}
		this.consumer.commitAsync(offsets, (committed, error) -> {
			if (error != null) {
				log.warn("offset commit failed, will retry: {}", error.toString());
				return;
			}
			committed.forEach((partition, offset) -> this.registry.markCommitted(partition, offset.offset()));
		});
	}

	/**
	 * Commits what is complete before leaving. A commit is refused while a rebalance is
	 * between its rounds ({@link RebalanceInProgressException}) until {@code poll()}
	 * completes it, so it polls (with {@code pollDiscarding}, which registers nothing)
	 * and tries again until the commit succeeds or the deadline passes; a revocation
	 * during that poll commits its own partitions.
	 * @param timeout how long to keep trying, and the timeout of each commit
	 * @param pollDiscarding a poll that keeps the membership alive and runs nothing it
	 * reads
	 */
	void commitBeforeLeaving(Duration timeout, Runnable pollDiscarding) {
		long deadline = this.nanoClock.getAsLong() + timeout.toNanos();
		while (true) {
			Map<TopicPartition, OffsetAndMetadata> offsets = this.registry.committable(true,
					this.registry.partitions());
			if (offsets.isEmpty()) {
				return;
			}
			try {
				this.consumer.commitSync(offsets, timeout);
				log.info("drained; committed {}", offsets);
				return;
			}
			catch (RebalanceInProgressException ex) {
				if (this.nanoClock.getAsLong() > deadline) {
					log.warn("could not commit before leaving ({}); the next owner redoes {}", ex.getMessage(),
							offsets);
					return;
				}
				pollDiscarding.run();
			}
		}
	}

}
