package dev.kow.worker.scheduling;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.Job;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduler with real preemption over a real host pool. The dispatcher stands in for the job
 * executor: a dispatched attempt runs until the test ends it, and a preempted one releases its slot
 * and goes back to its lane, as {@code JobExecutor} does.
 */
class PreemptionTest {

	private final AtomicLong nanos = new AtomicLong();

	private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

	private final List<Job> dispatched = new ArrayList<>();

	private final List<Job> preempted = new ArrayList<>();

	private final Map<Job, SlotLease> leases = new HashMap<>();

	private HostPool pool;

	private Preemption preemption;

	private LaneScheduler scheduler;

	private void start(int slots, Set<Lane> lanes, Duration maxVictimAge, int maxPerJob) {
		OllamaHost host = new OllamaHost("h0", URI.create("http://127.0.0.1:1"), slots, Set.of(),
				CircuitBreaker.ofDefaults("h0"));
		host.markWarm("m");
		this.pool = new HostPool(List.of(host), this.nanos::get);
		this.preemption = new Preemption(this.pool, lanes, new int[] { 8, 3, 1 }, maxVictimAge, maxPerJob, this.nanos::get);
		this.scheduler = new LaneScheduler(this.pool, (job, lease) -> {
			this.dispatched.add(job);
			this.leases.put(job, lease);
			this.preemption.started(job, lease.host());
			job.dispatched(lease.host().id(), this.clock.instant());
			job.running(() -> {
				this.preemption.ended(job);
				this.pool.release(lease, HostPool.Result.CANCELLED, null);
				if (job.takePreempted()) {
					this.preempted.add(job);
					this.scheduler.resubmit(job);
				}
			});
		}, new UndispatchableHandler() {
			@Override
			public void expired(Job job) {
			}

			@Override
			public void unroutable(Job job) {
			}
		}, this.preemption, new int[] { 8, 3, 1 }, Duration.ofHours(1), this.nanos::get, this.clock);
	}

	private Job job(Lane lane, int n) {
		InferenceRequest request = InferenceRequest.newBuilder().setId(lane + "-" + n).setModel("m").setMode(Mode.GENERATE)
			.setPrompt("p").setCreatedAt(Instant.EPOCH).build();
		TopicPartition partition = new TopicPartition(lane.key(), 0);
		return new Job(new SourceRecord(partition, n, new PartitionOffsets(partition)), lane,
				new ConsumerRecord<>(lane.key(), 0, n, null, null), request, Instant.EPOCH, this.nanos.get());
	}

	/** Fills every slot with batch jobs started 100 ms apart, all streaming; returns them, oldest first. */
	private List<Job> fillWithStreamingBatch(int slots) {
		List<Job> running = new ArrayList<>();
		for (int i = 0; i < slots; i++) {
			Job job = job(Lane.BATCH, i);
			this.scheduler.submit(job);
			this.preemption.streamed(job);
			running.add(job);
			this.nanos.addAndGet(Duration.ofMillis(100).toNanos());
		}
		this.scheduler.submit(job(Lane.BATCH, 99));
		return running;
	}

	@Test
	void aHighJobTakesTheSlotOfTheBatchJobThatStartedLastAndThatJobGoesNext() {
		start(3, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		List<Job> batch = fillWithStreamingBatch(3);

		this.scheduler.submit(job(Lane.HIGH, 0));

		assertThat(this.preempted).containsExactly(batch.get(2));
		assertThat(this.dispatched.get(3).lane()).isEqualTo(Lane.HIGH);
		assertThat(this.pool.inFlight(this.pool.hosts().get(0))).isEqualTo(3);
		assertThat(batch.get(2).preemptions()).isEqualTo(1);
		assertThat(batch.get(2).countedAttempts()).as("a preemption does not use the retry budget").isZero();

		finish(batch.get(0));
		assertThat(this.dispatched.get(4)).as("the preempted job is first in its lane").isSameAs(batch.get(2));
	}

	@Test
	void oneHighJobStopsOneVictim() {
		start(4, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		fillWithStreamingBatch(4);
		this.scheduler.submit(job(Lane.HIGH, 0));
		this.scheduler.submit(job(Lane.HIGH, 1));
		assertThat(this.preempted).hasSize(2);
		assertThat(this.dispatched.stream().filter(j -> j.lane() == Lane.HIGH)).hasSize(2);
	}

	@Test
	void aJobStillInItsPrefillIsNotAVictim() {
		start(2, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		this.scheduler.submit(job(Lane.BATCH, 0));
		this.scheduler.submit(job(Lane.BATCH, 1));
		this.scheduler.submit(job(Lane.HIGH, 0));
		assertThat(this.preempted).isEmpty();
		assertThat(this.scheduler.waiting(Lane.HIGH)).isOne();
	}

	@Test
	void aJobThatHasRunLongerThanTheMaximumAgeIsNotAVictim() {
		start(2, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		fillWithStreamingBatch(2);
		this.nanos.addAndGet(Duration.ofSeconds(2).toNanos());
		this.scheduler.submit(job(Lane.HIGH, 0));
		assertThat(this.preempted).isEmpty();
	}

	@Test
	void aJobIsPreemptedAtMostMaxPerJobTimes() {
		start(1, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		Job batch = fillWithStreamingBatch(1).get(0);
		this.scheduler.submit(job(Lane.HIGH, 0));
		assertThat(this.preempted).containsExactly(batch);
		finish(this.dispatched.get(1));
		assertThat(this.dispatched.get(2)).isSameAs(batch);
		this.preemption.streamed(batch);

		this.scheduler.submit(job(Lane.HIGH, 1));

		assertThat(this.preempted).as("once is the limit").containsExactly(batch);
		assertThat(this.scheduler.waiting(Lane.HIGH)).isOne();
	}

	@Test
	void onlyTheConfiguredLanesPreemptAndOnlyLowerLanes() {
		start(2, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		fillWithStreamingBatch(2);
		this.scheduler.submit(job(Lane.NORMAL, 0));
		assertThat(this.preempted).as("normal may not preempt").isEmpty();

		start(1, Set.of(Lane.HIGH, Lane.NORMAL), Duration.ofSeconds(2), 1);
		this.dispatched.clear();
		Job normal = job(Lane.NORMAL, 1);
		this.scheduler.submit(normal);
		this.preemption.streamed(normal);
		this.scheduler.submit(job(Lane.NORMAL, 2));
		assertThat(this.preempted).as("a job never preempts its own lane").isEmpty();
		this.scheduler.submit(job(Lane.HIGH, 0));
		assertThat(this.preempted).containsExactly(normal);
	}

	@Test
	void aLaneAtItsWeightedShareNeitherPreemptsNorIsPreempted() {
		start(4, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		fillWithStreamingBatch(4);
		for (int i = 0; i < 3; i++) {
			this.scheduler.submit(job(Lane.HIGH, i));
		}
		assertThat(this.preempted).as("high's share of 4 slots at 8:1 is 3.6").hasSize(3);
		this.scheduler.submit(job(Lane.HIGH, 3));
		assertThat(this.preempted).as("3 of 4 slots run high jobs: the 4th may still preempt, as 3 < 3.6")
			.hasSize(4);

		start(12, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		this.preempted.clear();
		for (Lane lane : List.of(Lane.NORMAL, Lane.BATCH)) {
			for (int i = 0; i < 6; i++) {
				Job job = job(lane, i);
				this.scheduler.submit(job);
				this.preemption.streamed(job);
			}
		}
		for (int i = 0; i < 20; i++) {
			this.scheduler.submit(job(Lane.HIGH, i));
		}
		// all three lanes have work: shares of 12 slots are 8, 3 and 1
		assertThat(this.dispatched.stream().skip(4 + 4 + 12).filter(j -> j.lane() == Lane.HIGH)).hasSize(8);
		assertThat(this.preempted).hasSize(8);
		assertThat(this.preempted).filteredOn(j -> j.lane() == Lane.NORMAL).hasSize(3);
		assertThat(this.preempted).filteredOn(j -> j.lane() == Lane.BATCH).hasSize(5);
	}

	@Test
	void offNeverPreempts() {
		start(2, Set.of(), Duration.ofSeconds(2), 1);
		fillWithStreamingBatch(2);
		this.scheduler.submit(job(Lane.HIGH, 0));
		assertThat(this.preempted).isEmpty();
	}

	/** Ends a running attempt as a successful call ends. */
	private void finish(Job job) {
		this.preemption.ended(job);
		this.pool.release(this.leases.get(job), HostPool.Result.OK, null);
	}
}
