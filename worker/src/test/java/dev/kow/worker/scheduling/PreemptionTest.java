package dev.kow.worker.scheduling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.config.TimeoutProperties;
import dev.kow.worker.execution.ExecutionMetrics;
import dev.kow.worker.execution.JobExecutor;
import dev.kow.worker.telemetry.JobTracing;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.job.CancelledBatches;
import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import dev.kow.worker.testing.Fixtures;
import dev.kow.worker.testing.ScriptedOllama;
import dev.kow.worker.timeouts.TimeoutEstimator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduler with real preemption over a real host pool and the real
 * {@link JobExecutor}: its cancel-and-resubmit protocol, not a copy. Only the Ollama host
 * is scripted: a dispatched call runs until the test streams, answers or fails it.
 */
class PreemptionTest {

	private final AtomicLong nanos = new AtomicLong();

	private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

	private final List<Job> dispatched = new ArrayList<>();

	private final List<Job> preempted = new ArrayList<>();

	private HostPool pool;

	private Preemption preemption;

	private LaneScheduler scheduler;

	private ScriptedOllama ollama;

	/** Each job's latest call. */
	private final Map<Job, ScriptedOllama.Call> calls = new HashMap<>();

	private void start(int slots, Set<Lane> lanes, Duration maxVictimAge, int maxPerJob) {
		OllamaHost host = Fixtures.host("h0", slots);
		this.pool = Fixtures.pool(this.nanos::get, host);
		this.pool.loadedModels(host, Set.of("m:latest"));
		this.preemption = new Preemption(this.pool, lanes, LaneWeights.DEFAULT, maxVictimAge, maxPerJob,
				this.nanos::get);
		this.ollama = new ScriptedOllama();
		JobExecutor executor = new JobExecutor(this.ollama, this.pool, Fixtures
			.outcomes(new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()), source -> {
			}, Schedulers.immediate()), Fixtures.bind("worker.ollama", OllamaProperties.class, Map.of()),
				new TimeoutEstimator(Fixtures.bind("worker.timeouts", TimeoutProperties.class, Map.of())),
				Schedulers.immediate(), this.clock, this.nanos::get, new Random(1),
				new ExecutionMetrics(new SimpleMeterRegistry(), Duration.ofMinutes(30)), this.preemption,
				JobTracing.NOOP);
		this.scheduler = new LaneScheduler(this.pool, (job, lease, requeue) -> {
			this.dispatched.add(job);
			executor.dispatch(job, lease, queued -> {
				if (queued.failedAttempts().stream().anyMatch(a -> JobExecutor.PREEMPTED.equals(a.getErrorCategory()))
						&& !this.preempted.contains(queued)) {
					this.preempted.add(queued);
				}
				requeue.resubmit(queued);
			});
			this.calls.put(job, this.ollama.calls().getLast());
		}, executor, new CancelledBatches(), this.preemption, LaneWeights.DEFAULT, Duration.ofHours(1), this.nanos::get,
				this.clock);
	}

	private Job job(Lane lane, int n) {
		return Fixtures.job(lane, n, null, this.nanos.get());
	}

	/** Delivers the first stream line of the job's latest call: its prefill is over. */
	private void stream(Job job) {
		call(job).stream();
	}

	private ScriptedOllama.Call call(Job job) {
		return this.calls.get(job);
	}

	/**
	 * Fills every slot with batch jobs started 100 ms apart, all streaming; returns them,
	 * oldest first.
	 */
	private List<Job> fillWithStreamingBatch(int slots) {
		List<Job> running = new ArrayList<>();
		for (int i = 0; i < slots; i++) {
			Job job = job(Lane.BATCH, i);
			this.scheduler.submit(job);
			stream(job);
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
		assertThat(this.pool.status(this.pool.hosts().get(0)).inFlight()).isEqualTo(3);
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
		stream(batch);

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
		stream(normal);
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
		assertThat(this.preempted).as("3 of 4 slots run high jobs: the 4th may still preempt, as 3 < 3.6").hasSize(4);

		start(12, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		this.preempted.clear();
		for (Lane lane : List.of(Lane.NORMAL, Lane.BATCH)) {
			for (int i = 0; i < 6; i++) {
				Job job = job(lane, i);
				this.scheduler.submit(job);
				stream(job);
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

	/** Ends a running attempt with an answer. */
	private void finish(Job job) {
		call(job).answer(ScriptedOllama.answer("done", 20));
	}

	@Test
	void theFleetCanTakeSlotsBackFromTheYoungestLowerLaneAttemptsOfAHost() {
		start(3, Set.of(Lane.HIGH), Duration.ofSeconds(2), 1);
		List<Job> batch = fillWithStreamingBatch(3);

		assertThat(this.preemption.shed(this.pool.hosts().get(0), Lane.HIGH, 2)).isEqualTo(2);

		assertThat(this.preempted).containsExactlyInAnyOrder(batch.get(2), batch.get(1));
		assertThat(this.preemption.shed(this.pool.hosts().get(0), Lane.BATCH, 1)).as("only for a more urgent lane")
			.isZero();
	}

}
