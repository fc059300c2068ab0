package dev.kow.worker.scheduling;

import dev.kow.worker.job.Lane;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.CancelledBatches;
import dev.kow.worker.job.Job;
import dev.kow.worker.offsets.PartitionOffsets;
import dev.kow.worker.offsets.SourceRecord;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import dev.kow.worker.job.LaneWeights;
import dev.kow.worker.testing.Fixtures;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

class LaneSchedulerTest {

	private final AtomicLong nanos = new AtomicLong();

	private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T00:00:00Z"), ZoneOffset.UTC);

	private final List<Job> dispatched = new ArrayList<>();

	private final List<SlotLease> leases = new ArrayList<>();

	private final List<Job> expired = new ArrayList<>();

	private final List<Job> withdrawn = new ArrayList<>();

	private final CancelledBatches cancelled = new CancelledBatches();

	private HostPool pool(int... slots) {
		OllamaHost[] hosts = new OllamaHost[slots.length];
		for (int i = 0; i < slots.length; i++) {
			hosts[i] = Fixtures.host("h" + i, slots[i]);
		}
		return Fixtures.pool(this.nanos::get, hosts);
	}

	private LaneScheduler scheduler(HostPool pool, Duration aging) {
		return new LaneScheduler(pool, (job, lease, requeue) -> {
			this.dispatched.add(job);
			this.leases.add(lease);
		}, new UndispatchableHandler() {
			@Override
			public void expired(Job job) {
				LaneSchedulerTest.this.expired.add(job);
			}

			@Override
			public void unroutable(Job job) {
			}

			@Override
			public void batchCancelled(Job job) {
				LaneSchedulerTest.this.withdrawn.add(job);
			}
		}, this.cancelled, new Preemption(pool, Set.of(), LaneWeights.DEFAULT, Duration.ZERO, 0, this.nanos::get),
				LaneWeights.DEFAULT, aging, this.nanos::get, this.clock);
	}

	private Job job(Lane lane, int n, Instant deadline) {
		return Fixtures.job(lane, n, deadline, this.nanos.get());
	}

	private void finishAll(HostPool pool) {
		List<SlotLease> done = new ArrayList<>(this.leases);
		this.leases.clear();
		done.forEach(lease -> pool.release(lease, Fixtures.DONE));
	}

	@Test
	void neverDispatchesMoreThanTheHostsSlots() {
		HostPool pool = pool(2, 3);
		LaneScheduler scheduler = scheduler(pool, Duration.ofHours(1));
		for (int i = 0; i < 20; i++) {
			scheduler.submit(job(Lane.BATCH, i, null));
		}
		assertThat(this.dispatched).hasSize(5);
		assertThat(pool.status(pool.hosts().get(0)).inFlight()).isEqualTo(2);
		assertThat(pool.status(pool.hosts().get(1)).inFlight()).isEqualTo(3);
		assertThat(scheduler.waiting(Lane.BATCH)).isEqualTo(15);
	}

	@Test
	void aFreedSlotGoesToTheWaitingHighJobAheadOfTheBatchBacklog() {
		HostPool pool = pool(4);
		LaneScheduler scheduler = scheduler(pool, Duration.ofHours(1));
		for (int i = 0; i < 1000; i++) {
			scheduler.submit(job(Lane.BATCH, i, null));
		}
		scheduler.submit(job(Lane.HIGH, 0, null));
		assertThat(this.dispatched).hasSize(4).allMatch(j -> j.lane() == Lane.BATCH);
		pool.release(this.leases.remove(0), Fixtures.DONE);
		assertThat(this.dispatched).hasSize(5);
		assertThat(this.dispatched.get(4).lane()).isEqualTo(Lane.HIGH);
	}

	@Test
	void lanesShareSlotsByWeightAndNoneStarves() {
		HostPool pool = pool(12);
		LaneScheduler scheduler = scheduler(pool, Duration.ofHours(1));
		for (int i = 0; i < 400; i++) {
			for (Lane lane : Lane.values()) {
				scheduler.submit(job(lane, i, null));
			}
		}
		this.dispatched.clear();
		for (int round = 0; round < 20; round++) {
			finishAll(pool);
		}
		long high = this.dispatched.stream().filter(j -> j.lane() == Lane.HIGH).count();
		long normal = this.dispatched.stream().filter(j -> j.lane() == Lane.NORMAL).count();
		long batch = this.dispatched.stream().filter(j -> j.lane() == Lane.BATCH).count();
		assertThat(high + normal + batch).isEqualTo(240);
		// 8:3:1 of 240 dispatches, within one of the exact share (the stride phase at the
		// start)
		assertThat(high).isBetween(159L, 161L);
		assertThat(normal).isBetween(59L, 61L);
		assertThat(batch).isBetween(19L, 21L);
	}

	@Test
	void agingServesAnOldJobFirstWhateverItsLane() {
		HostPool pool = pool(1);
		LaneScheduler scheduler = scheduler(pool, Duration.ofSeconds(10));
		scheduler.submit(job(Lane.BATCH, 0, null));
		scheduler.submit(job(Lane.BATCH, 1, null));
		this.nanos.addAndGet(Duration.ofSeconds(30).toNanos());
		for (int i = 0; i < 5; i++) {
			scheduler.submit(job(Lane.HIGH, i, null));
		}
		finishAll(pool);
		assertThat(this.dispatched.get(1).request().getId()).isEqualTo("BATCH-1");
	}

	@Test
	void anExpiredJobIsNotDispatched() {
		HostPool pool = pool(1);
		LaneScheduler scheduler = scheduler(pool, Duration.ofHours(1));
		scheduler.submit(job(Lane.NORMAL, 0, this.clock.instant().minusSeconds(1)));
		assertThat(this.dispatched).isEmpty();
		assertThat(this.expired).hasSize(1);
		assertThat(pool.status(pool.hosts().get(0)).inFlight()).isZero();
	}

	@Test
	void aJobHeldBackFromADegradedHostTakesItsSlotWhenTheHoldEndsWithoutAnyRelease() {
		OllamaHost sick = Fixtures.host("sick", 1);
		OllamaHost healthy = Fixtures.host("healthy", 1);
		VirtualTimeScheduler timer = VirtualTimeScheduler.create();
		HostPool pool = new HostPool(List.of(sick, healthy), Fixtures.holding(Duration.ofSeconds(2)), timer,
				this.nanos::get);
		SlotLease onSick = pool.tryAcquire("m:latest", null).orElseThrow();
		SlotLease onHealthy = pool.tryAcquire("m:latest", null).orElseThrow();
		this.nanos.addAndGet(Duration.ofMillis(100).toNanos());
		pool.release(onSick, Fixtures.hostFailed());
		pool.release(onHealthy, Fixtures.DONE);
		assertThat(pool.holdNanos()).as("2 x 100 ms / 1 healthy slot").isEqualTo(Duration.ofMillis(200).toNanos());

		LaneScheduler scheduler = scheduler(pool, Duration.ofSeconds(60));
		scheduler.submit(job(Lane.BATCH, 1, null));
		scheduler.submit(job(Lane.BATCH, 2, null));
		assertThat(this.leases).extracting(SlotLease::host)
			.as("the second job waits for the healthy host")
			.containsExactly(healthy);

		this.nanos.addAndGet(Duration.ofMillis(199).toNanos());
		timer.advanceTimeBy(Duration.ofMillis(199));
		assertThat(this.leases).hasSize(1);
		this.nanos.addAndGet(Duration.ofMillis(1).toNanos());
		timer.advanceTimeBy(Duration.ofMillis(1));
		assertThat(this.leases).extracting(SlotLease::host)
			.as("after the hold it takes the degraded host's slot")
			.containsExactly(healthy, sick);
	}

	@Test
	void aDispatchThatThrowsDoesNotStopTheScheduler() {
		HostPool pool = pool(2);
		List<Job> dispatched = new ArrayList<>();
		LaneScheduler scheduler = new LaneScheduler(pool, (job, lease, requeue) -> {
			if (dispatched.isEmpty()) {
				dispatched.add(job);
				throw new IllegalStateException("a bug in a dispatcher");
			}
			dispatched.add(job);
		}, new UndispatchableHandler() {
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
				new Preemption(pool, Set.of(), LaneWeights.DEFAULT, Duration.ZERO, 0, this.nanos::get),
				LaneWeights.DEFAULT, Duration.ofHours(1), this.nanos::get, this.clock);

		scheduler.submit(job(Lane.BATCH, 0, null));
		scheduler.submit(job(Lane.BATCH, 1, null));

		assertThat(dispatched).as("the next job still goes to the free slot").hasSize(2);
	}

	@Test
	void theJobsOfACancelledBatchAreNotDispatchedButHandedBackAsCancelled() {
		HostPool pool = pool(1);
		LaneScheduler scheduler = scheduler(pool, Duration.ofHours(1));
		scheduler.submit(Fixtures.job(Lane.BATCH, 0, null, this.nanos.get(), "batch_a"));
		scheduler.submit(Fixtures.job(Lane.BATCH, 1, null, this.nanos.get(), "batch_b"));
		scheduler.submit(Fixtures.job(Lane.BATCH, 2, null, this.nanos.get(), "batch_a"));
		assertThat(this.dispatched).hasSize(1);

		this.cancelled.cancel("batch_a", Long.MAX_VALUE);
		scheduler.withdrawCancelled();
		assertThat(this.withdrawn).as("ended at once, though a job of another batch waits ahead of it")
			.extracting(job -> job.request().getId())
			.containsExactly("BATCH-2");

		scheduler.submit(Fixtures.job(Lane.BATCH, 3, null, this.nanos.get(), "batch_a"));
		pool.release(this.leases.get(0), Fixtures.DONE);
		assertThat(this.withdrawn).as("one read later is ended when it reaches the head")
			.extracting(job -> job.request().getId())
			.containsExactly("BATCH-2", "BATCH-3");
		assertThat(this.dispatched).extracting(job -> job.request().getId()).containsExactly("BATCH-0", "BATCH-1");
	}

}
