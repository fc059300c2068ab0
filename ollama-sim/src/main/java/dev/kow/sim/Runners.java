package dev.kow.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Ollama's scheduler and runners, as {@code docs/ollama-behaviour.md} ("Scheduling and
 * concurrency") describes them:
 * <ul>
 * <li>a loaded model has {@code numParallel} slots (1 for embedding models) and an
 * <b>unbounded</b> FIFO queue of requests waiting for a slot;</li>
 * <li>requests for a model that is not loaded wait in one pending queue of capacity
 * {@code maxQueue} (overflow: 503); loads run one at a time and take the profile's
 * cold-load time;</li>
 * <li>at {@code maxLoadedModels}, the idle model expiring first is evicted; a request
 * with different {@code num_ctx} reloads the model once it is idle;</li>
 * <li>an idle model unloads after its keep-alive (the last request's value sticks; 0
 * unloads at once, negative never).</li>
 * </ul>
 * All state sits behind this object's monitor. Timers run on the given scheduler.
 */
final class Runners {

	/** A request's hold on a slot. {@link #release()} is idempotent. */
	final class Lease {

		private final Runner runner;

		private final long arrivalNanos;

		private final long runnerReadyNanos;

		private final long grantedNanos;

		private final long grantedAtMs;

		private final Duration keepAlive;

		private boolean released;

		private Lease(Runner runner, Waiter waiter, long grantedNanos) {
			this.runner = runner;
			this.arrivalNanos = waiter.arrivalNanos;
			this.runnerReadyNanos = waiter.runnerReadyNanos;
			this.grantedNanos = grantedNanos;
			this.grantedAtMs = Runners.this.clock.millis();
			this.keepAlive = waiter.keepAlive;
		}

		/**
		 * @return Ollama's {@code load_duration}: arrival to runner hand-over, ns
		 */
		long loadDurationNanos() {
			return Math.max(1, this.runnerReadyNanos - this.arrivalNanos);
		}

		/**
		 * @return when the slot was granted, ns on the nano clock
		 */
		long grantedNanos() {
			return this.grantedNanos;
		}

		/**
		 * @return when the slot was granted, wall-clock epoch ms
		 */
		long grantedAtMs() {
			return this.grantedAtMs;
		}

		/**
		 * @return streams decoding on this runner now, for the concurrency slowdown
		 */
		int activeStreams() {
			synchronized (Runners.this) {
				return this.runner.active;
			}
		}

		void release() {
			synchronized (Runners.this) {
				if (this.released) {
					return;
				}
				this.released = true;
				releaseLocked(this.runner, this.keepAlive);
			}
		}

	}

	/** A loaded model. */
	private static final class Runner {

		final ModelSpec spec;

		final int numCtx;

		final int slots;

		final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

		int active;

		Duration keepAlive;

		boolean unloadWhenIdle;

		Instant expiresAt;

		Disposable expiry;

		Runner(ModelSpec spec, int numCtx, int slots, Duration keepAlive) {
			this.spec = spec;
			this.numCtx = numCtx;
			this.slots = slots;
			this.keepAlive = keepAlive;
		}

		boolean idle() {
			return this.active == 0 && this.waiting.isEmpty();
		}

	}

	private static final class Waiter {

		final ModelSpec spec;

		final int numCtx;

		final Duration keepAlive;

		final long arrivalNanos;

		MonoSink<Lease> sink;

		long runnerReadyNanos;

		boolean done;

		Waiter(ModelSpec spec, int numCtx, Duration keepAlive, long arrivalNanos) {
			this.spec = spec;
			this.numCtx = numCtx;
			this.keepAlive = keepAlive;
			this.arrivalNanos = arrivalNanos;
		}

	}

	private final SimConfig config;

	private final Scheduler timer;

	private final LongSupplier nanoClock;

	private final Clock clock;

	private final Map<String, Runner> loaded = new LinkedHashMap<>();

	private final ArrayDeque<Waiter> pending = new ArrayDeque<>();

	private boolean loading;

	Runners(SimConfig config, Scheduler timer, LongSupplier nanoClock, Clock clock) {
		this.config = config;
		this.timer = timer;
		this.nanoClock = nanoClock;
		this.clock = clock;
	}

	/**
	 * Waits for a slot on the model's runner, loading the model first if needed.
	 * @param spec the model
	 * @param numCtx the context length the request needs
	 * @param keepAlive the request's keep-alive, or null to keep the runner's
	 * @param arrivalNanos when the request arrived, nano clock
	 * @return the lease; fails with a 503 {@link SimHttpError} when the pending queue is
	 * full
	 */
	Mono<Lease> acquire(ModelSpec spec, int numCtx, Duration keepAlive, long arrivalNanos) {
		return Mono.create(sink -> {
			Waiter waiter = new Waiter(spec, numCtx, keepAlive, arrivalNanos);
			waiter.sink = sink;
			sink.onCancel(() -> cancel(waiter));
			synchronized (this) {
				Runner runner = this.loaded.get(spec.name());
				if (runner != null && runner.numCtx == numCtx && !runner.unloadWhenIdle) {
					cancelExpiry(runner);
					enqueueForSlot(runner, waiter);
					return;
				}
				if (this.pending.size() >= this.config.maxQueue()) {
					sink.error(new SimHttpError(503, SimHttpError.BUSY));
					return;
				}
				this.pending.addLast(waiter);
				startNextLoad();
			}
		});
	}

	/**
	 * Marks a model to unload as soon as it is idle (an empty prompt with
	 * {@code keep_alive: 0}).
	 * @param spec the model
	 */
	synchronized void unloadWhenIdle(ModelSpec spec) {
		Runner runner = this.loaded.get(spec.name());
		if (runner != null) {
			runner.unloadWhenIdle = true;
			if (runner.idle()) {
				unload(runner);
			}
		}
	}

	/** One row of {@code /api/ps}. */
	record Loaded(ModelSpec spec, int numCtx, Instant expiresAt, int active) {
	}

	/**
	 * @return the loaded models, latest expiry first, as {@code /api/ps} sorts them
	 */
	synchronized List<Loaded> loaded() {
		List<Loaded> rows = new ArrayList<>();
		for (Runner runner : this.loaded.values()) {
			Instant expires = runner.expiresAt != null ? runner.expiresAt
					: this.clock.instant()
						.plus(runner.keepAlive.isNegative() ? Duration.ofDays(365L * 292)
								: this.config.scaled(runner.keepAlive));
			rows.add(new Loaded(runner.spec, runner.numCtx, expires, runner.active));
		}
		rows.sort(Comparator.comparing(Loaded::expiresAt).reversed());
		return rows;
	}

	private void enqueueForSlot(Runner runner, Waiter waiter) {
		waiter.runnerReadyNanos = this.nanoClock.getAsLong();
		runner.waiting.addLast(waiter);
		grantFreeSlots(runner);
	}

	private void grantFreeSlots(Runner runner) {
		while (runner.active < runner.slots && !runner.waiting.isEmpty()) {
			Waiter next = runner.waiting.pollFirst();
			if (next.done) {
				continue;
			}
			next.done = true;
			runner.active++;
			next.sink.success(new Lease(runner, next, this.nanoClock.getAsLong()));
		}
	}

	private void releaseLocked(Runner runner, Duration keepAlive) {
		runner.active--;
		if (keepAlive != null) {
			runner.keepAlive = keepAlive;
		}
		grantFreeSlots(runner);
		if (runner.idle()) {
			if (runner.unloadWhenIdle || runner.keepAlive.isZero()) {
				unload(runner);
			}
			else if (!runner.keepAlive.isNegative()) {
				Duration after = this.config.scaled(runner.keepAlive);
				runner.expiresAt = this.clock.instant().plus(after);
				runner.expiry = this.timer.schedule(() -> expire(runner), after.toNanos(),
						java.util.concurrent.TimeUnit.NANOSECONDS);
			}
			else {
				runner.expiresAt = this.clock.instant().plus(Duration.ofDays(365L * 292));
			}
		}
		startNextLoad();
	}

	private synchronized void expire(Runner runner) {
		if (runner.idle() && this.loaded.get(runner.spec.name()) == runner) {
			unload(runner);
			startNextLoad();
		}
	}

	private void cancelExpiry(Runner runner) {
		if (runner.expiry != null) {
			runner.expiry.dispose();
			runner.expiry = null;
		}
		runner.expiresAt = null;
	}

	private void unload(Runner runner) {
		cancelExpiry(runner);
		this.loaded.remove(runner.spec.name(), runner);
	}

	private synchronized void cancel(Waiter waiter) {
		if (waiter.done) {
			return;
		}
		waiter.done = true;
		this.pending.remove(waiter);
		Runner runner = this.loaded.get(waiter.spec.name());
		if (runner != null) {
			runner.waiting.remove(waiter);
		}
	}

	/**
	 * Starts the load the head of the pending queue needs, when loads and memory allow.
	 */
	private void startNextLoad() {
		while (!this.pending.isEmpty() && this.pending.peekFirst().done) {
			this.pending.pollFirst();
		}
		if (this.loading || this.pending.isEmpty()) {
			return;
		}
		Waiter head = this.pending.peekFirst();
		Runner same = this.loaded.get(head.spec.name());
		if (same != null) {
			if (same.numCtx == head.numCtx && !same.unloadWhenIdle) {
				moveWaitersTo(same);
				startNextLoad();
				return;
			}
			if (!same.idle()) {
				return; // reload once the old runner drains
			}
			unload(same);
		}
		if (this.loaded.size() >= this.config.maxLoadedModels()) {
			Runner victim = this.loaded.values()
				.stream()
				.filter(Runner::idle)
				.min(Comparator.comparing(r -> r.expiresAt == null ? Instant.MAX : r.expiresAt))
				.orElse(null);
			if (victim == null) {
				return; // wait until a model drains
			}
			unload(victim);
		}
		this.loading = true;
		ModelSpec spec = head.spec;
		int numCtx = head.numCtx;
		long loadNanos = this.config.scaled(this.config.profile().coldLoad()).toNanos();
		this.timer.schedule(() -> onLoaded(spec, numCtx), loadNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
	}

	private synchronized void onLoaded(ModelSpec spec, int numCtx) {
		this.loading = false;
		int slots = spec.can("embedding") ? 1 : this.config.numParallel();
		Runner runner = new Runner(spec, numCtx, slots, this.config.defaultKeepAlive());
		this.loaded.put(spec.name(), runner);
		moveWaitersTo(runner);
		if (runner.idle()) {
			releaseIdle(runner);
		}
		startNextLoad();
	}

	private void releaseIdle(Runner runner) {
		runner.active++;
		releaseLocked(runner, null);
	}

	private void moveWaitersTo(Runner runner) {
		for (Iterator<Waiter> it = this.pending.iterator(); it.hasNext();) {
			Waiter waiter = it.next();
			if (waiter.spec.name().equals(runner.spec.name()) && waiter.numCtx == runner.numCtx) {
				it.remove();
				if (!waiter.done) {
					if (waiter.keepAlive != null) {
						runner.keepAlive = waiter.keepAlive;
					}
					enqueueForSlot(runner, waiter);
				}
			}
		}
	}

}
