package dev.kow.worker;

import java.time.Duration;
import java.util.function.LongSupplier;

import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.HostProber;
import dev.kow.worker.hosts.OllamaHost;
import dev.kow.worker.intake.IntakeLoop;
import dev.kow.worker.ollama.OllamaClient;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Starts the intake thread, the per-host {@code /api/ps} poll (warm models) and the
 * half-open probes after the context is up, and on shutdown lets the intake drain before
 * the rest closes.
 */
final class WorkerLifecycle implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(WorkerLifecycle.class);

	private final IntakeLoop intake;

	private final HostPool pool;

	private final OllamaClient client;

	private final Duration healthInterval;

	private final Duration drainTimeout;

	private final HostProber prober;

	private final Duration probeInterval;

	private @Nullable Thread thread;

	private @Nullable Disposable poller;

	private @Nullable Disposable probes;

	WorkerLifecycle(IntakeLoop intake, HostPool pool, OllamaClient client, Duration healthInterval,
			Duration drainTimeout, Duration probeInterval, LongSupplier nanoClock) {
		this.intake = intake;
		this.pool = pool;
		this.client = client;
		this.healthInterval = healthInterval;
		this.drainTimeout = drainTimeout;
		this.prober = new HostProber(pool, client, Duration.ofSeconds(2), nanoClock);
		this.probeInterval = probeInterval;
	}

	@Override
	public synchronized void start() {
		this.poller = Flux.interval(Duration.ZERO, this.healthInterval)
			.flatMapIterable(tick -> this.pool.hosts())
			.flatMap(this::refreshWarmModels)
			.subscribe();
		this.probes = Flux.interval(this.probeInterval, this.probeInterval)
			.concatMap(tick -> this.prober.probeHalfOpen())
			.subscribe();
		this.thread = Thread.ofPlatform().name("kow-intake").start(this.intake);
		log.info("worker started with {} host(s), {} slot(s)", this.pool.hosts().size(), this.pool.usableSlots());
	}

	private Mono<Void> refreshWarmModels(OllamaHost host) {
		return this.client.loadedModels(host.id(), host.url(), Duration.ofSeconds(5))
			.doOnNext(loaded -> this.pool.loadedModels(host, loaded))
			.onErrorResume(error -> Mono.empty())
			.then();
	}

	@Override
	public synchronized void stop() {
		this.intake.stop();
		Thread intakeThread = this.thread;
		if (intakeThread != null) {
			try {
				intakeThread.join(this.drainTimeout.plusSeconds(15).toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		for (Disposable task : new Disposable[] { this.poller, this.probes }) {
			if (task != null) {
				task.dispose();
			}
		}
	}

	@Override
	public synchronized boolean isRunning() {
		Thread intakeThread = this.thread;
		return intakeThread != null && intakeThread.isAlive();
	}

}
