package dev.kow.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.job.CancelledBatches;
import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import dev.kow.worker.scheduling.LaneScheduler;
import dev.kow.worker.scheduling.Preemption;
import dev.kow.worker.scheduling.UndispatchableHandler;
import dev.kow.worker.testing.Fixtures;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Revocation on Kafka's {@link MockConsumer}: queued jobs are dropped, the one in flight
 * gets the grace (ended by its completion, not by a sleep), and the commit reaches the
 * first job not done.
 */
class RevocationTest {

	private static final TopicPartition BATCH_0 = new TopicPartition("batch", 0);

	private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

	private final PartitionRegistry registry = new PartitionRegistry(Map.of("batch", Lane.BATCH));

	private final List<Job> dispatched = new ArrayList<>();

	private final HostPool pool = Fixtures.pool(System::nanoTime, Fixtures.host("h0", 1));

	private final LaneScheduler scheduler = new LaneScheduler(this.pool,
			(job, lease, requeue) -> this.dispatched.add(job), new UndispatchableHandler() {
				@Override
				public void expired(Job job) {
				}

				@Override
				public void unroutable(Job job) {
				}

				@Override
				public void batchCancelled(Job job) {
				}
			}, new CancelledBatches(),
			new Preemption(this.pool, Set.of(), LaneWeights.DEFAULT, Duration.ZERO, 0, System::nanoTime),
			LaneWeights.DEFAULT, Duration.ofHours(1), System::nanoTime, Clock.systemUTC());

	private Revocation revocation(Duration grace) {
		return new Revocation(this.consumer, this.registry, this.scheduler, new Backpressure(100, 100), grace,
				Duration.ofSeconds(10), System::nanoTime);
	}

	/**
	 * Reads offsets 0, 1 and 2 of the partition: 0 runs on the only slot, 1 and 2 wait in
	 * the lane.
	 */
	private List<Job> readThree(Revocation revocation) {
		this.consumer.assign(List.of(BATCH_0));
		revocation.onPartitionsAssigned(List.of(BATCH_0));
		PartitionOffsets tracker = this.registry.tracker(BATCH_0).orElseThrow();
		List<Job> jobs = new ArrayList<>();
		for (int offset = 0; offset < 3; offset++) {
			SourceRecord source = this.registry.track(tracker, offset);
			Job job = Fixtures.job(Lane.BATCH, offset, null, System.nanoTime());
			Job tracked = new Job(source, Lane.BATCH, job.record(), job.request(), job.model(), job.readAt(),
					job.queuedSinceNanos());
			this.registry.add(tracked);
			this.scheduler.submit(tracked);
			jobs.add(tracked);
		}
		assertThat(this.dispatched).containsExactly(jobs.get(0));
		return jobs;
	}

	@Test
	void theInFlightJobFinishesWithinTheGraceAndTheCommitCoversItOnly() {
		Revocation revocation = revocation(Duration.ofSeconds(30));
		List<Job> jobs = readThree(revocation);
		CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
			.execute(() -> this.registry.completed(jobs.get(0).source()));

		revocation.onPartitionsRevoked(List.of(BATCH_0));

		assertThat(this.consumer.committed(Set.of(BATCH_0))).containsEntry(BATCH_0, new OffsetAndMetadata(1));
		assertThat(this.scheduler.waiting(Lane.BATCH)).as("queued jobs dropped for the next owner").isZero();
		assertThat(jobs.get(0).cancelled()).isFalse();
		assertThat(jobs.get(1).cancelled()).isTrue();
		assertThat(this.registry.tracker(BATCH_0)).isEmpty();
		assertThat(this.registry.buffered(Lane.BATCH)).isZero();
		assertThat(revocation.rebalances()).isEqualTo(2);
	}

	@Test
	void aJobStillRunningAfterTheGraceIsCancelledAndItsOffsetIsNotCommitted() {
		Revocation revocation = revocation(Duration.ofMillis(200));
		List<Job> jobs = readThree(revocation);

		revocation.onPartitionsRevoked(List.of(BATCH_0));

		assertThat(this.consumer.committed(Set.of(BATCH_0))).containsEntry(BATCH_0, new OffsetAndMetadata(0));
		assertThat(jobs).allMatch(Job::cancelled);
		this.registry.completed(jobs.get(0).source());
		this.registry.applyCompletions();
		assertThat(this.registry.buffered(Lane.BATCH)).as("a completion of the old assignment is ignored").isZero();
	}

	@Test
	void lostPartitionsAreForgottenWithoutACommit() {
		Revocation revocation = revocation(Duration.ofSeconds(30));
		List<Job> jobs = readThree(revocation);

		revocation.onPartitionsLost(List.of(BATCH_0));

		assertThat(this.consumer.committed(Set.of(BATCH_0))).doesNotContainKey(BATCH_0);
		assertThat(jobs).allMatch(Job::cancelled);
		assertThat(revocation.memberId()).isNotNull();
	}

}
