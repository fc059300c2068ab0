package dev.kow.worker.timeouts;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.kow.worker.config.TimeoutProperties;
import dev.kow.worker.ollama.CallBudget;
import org.jspecify.annotations.Nullable;

/**
 * Learns per (host, model) and turns what it learned into a {@link CallBudget}:
 * <ul>
 * <li><b>time to first token</b> = load allowance + prompt tokens x prefill ns/token
 * (high estimate) x safety; the load allowance is the cold-load estimate when the model
 * is not warm on the host (learned from {@code load_duration} samples over 1 s, else
 * {@code cold-load}), the warm-load estimate otherwise;</li>
 * <li><b>stream stall</b> = the larger of {@code stall-multiple} x the mean chunk gap and
 * 1.5 x the high estimate of each answer's longest gap, so a host or link with jitter
 * gets room for it and a clean one a tight budget;</li>
 * <li><b>overtaken first token</b> = the time to first token without the load allowance
 * and the {@code ttft-floor}, at least {@code overtaken-floor} and at most the
 * time-to-first-token budget: how long a call waits for its first token once a call sent
 * after it to the same model on the host has had its first (the model is then loaded and
 * the call is not queued behind it);</li>
 * <li><b>total</b> = time to first token + tokens to come x decode ns/token (high
 * estimate) x safety, where tokens to come are {@code num_predict} when set, else the
 * high estimate of past answers;</li>
 * </ul>
 * each clamped to its configured floor and ceiling. Until a (host, model) has
 * {@code min-samples} samples, the configured static budgets apply to the first token and
 * the total; the stall budget is learned from the first streamed answer on, because chunk
 * gaps are measured directly (a stall in the first calls would otherwise wait for the
 * static {@code stream-stall}). Thread-safe.
 */
public final class TimeoutEstimator {

	private static final long COLD_LOAD_THRESHOLD_NANOS = Duration.ofSeconds(1).toNanos();

	private final TimeoutProperties properties;

	private final Map<String, Stats> stats = new ConcurrentHashMap<>();

	/**
	 * @param properties floors, ceilings, safety factors and the static budgets
	 */
	public TimeoutEstimator(TimeoutProperties properties) {
		this.properties = properties;
	}

	/** Running estimates of one (host, model). */
	private static final class Stats {

		final Ewma prefillNanosPerToken = new Ewma(0.1);

		final Ewma decodeNanosPerToken = new Ewma(0.1);

		final Ewma warmLoadNanos = new Ewma(0.1);

		final Ewma coldLoadNanos = new Ewma(0.3);

		/** Mean gap between chunks, one sample per answer. */
		final Ewma chunkGapNanos = new Ewma(0.1);

		/** Longest gap of each answer: the host's and the network's jitter. */
		final Ewma maxChunkGapNanos = new Ewma(0.1);

		final Ewma outputTokens = new Ewma(0.05);

	}

	/**
	 * Records a successful call.
	 * @param host host id
	 * @param model normalised model name
	 * @param sample what the call showed
	 */
	public void observe(String host, String model, CallSample sample) {
		Stats s = this.stats.computeIfAbsent(host + '\u0000' + model, key -> new Stats());
		synchronized (s) {
			if (sample.promptTokens() > 0 && sample.promptEvalNanos() > 0) {
				s.prefillNanosPerToken.add((double) sample.promptEvalNanos() / sample.promptTokens());
			}
			if (sample.evalTokens() > 0 && sample.evalNanos() > 0) {
				s.decodeNanosPerToken.add((double) sample.evalNanos() / sample.evalTokens());
				s.outputTokens.add(sample.evalTokens());
			}
			if (sample.loadNanos() > COLD_LOAD_THRESHOLD_NANOS) {
				s.coldLoadNanos.add(sample.loadNanos());
			}
			else if (sample.loadNanos() > 0) {
				s.warmLoadNanos.add(sample.loadNanos());
			}
			if (sample.meanChunkGapNanos() > 0) {
				s.chunkGapNanos.add(sample.meanChunkGapNanos());
				s.maxChunkGapNanos.add(sample.maxChunkGapNanos());
			}
		}
	}

	/**
	 * The budget of a call.
	 * @param host host id
	 * @param model normalised model name
	 * @param promptChars characters of the request's text (about 4 per token)
	 * @param numPredict the request's {@code num_predict}, or null / negative when
	 * unlimited
	 * @param warm whether the model is believed loaded on the host
	 * @return the budget; the static one until enough samples exist
	 */
	public CallBudget budget(String host, String model, long promptChars, @Nullable Integer numPredict, boolean warm) {
		Stats s = this.stats.get(host + '\u0000' + model);
		TimeoutProperties p = this.properties;
		if (s == null || !p.adaptive()) {
			return staticBudget(warm);
		}
		synchronized (s) {
			if (s.decodeNanosPerToken.count() < p.minSamples()) {
				CallBudget fixed = staticBudget(warm);
				return s.chunkGapNanos.count() == 0 ? fixed
						: new CallBudget(fixed.timeToFirstToken(), Duration.ofNanos((long) stall(s, p)), fixed.total());
			}
			double promptTokens = promptChars / 4.0 + 16;
			double load = warm ? orDefault(s.warmLoadNanos.high(), 0)
					: orDefault(s.coldLoadNanos.high(), p.coldLoad().toNanos());
			double prefill = promptTokens * orDefault(s.prefillNanosPerToken.high(), 0);
			double firstChunk = p.safety() * (prefill + orDefault(s.chunkGapNanos.high(), 0));
			double ttft = clamp(load + firstChunk, p.ttftFloor(), p.ttftCeiling());
			double overtaken = Math.min(ttft, Math.max(p.overtakenFloor().toNanos(), firstChunk));
			double stall = stall(s, p);
			double tokens = numPredict != null && numPredict > 0 ? numPredict : orDefault(s.outputTokens.high(), 0);
			double total = clamp(ttft + p.safety() * tokens * s.decodeNanosPerToken.high(), p.totalFloor(),
					p.totalCeiling());
			return new CallBudget(Duration.ofNanos((long) ttft), Duration.ofNanos((long) stall),
					Duration.ofNanos((long) Math.max(total, ttft)), Duration.ofNanos((long) overtaken));
		}
	}

	/** Caller holds the monitor of {@code s}. */
	private static double stall(Stats s, TimeoutProperties p) {
		return clamp(Math.max(p.stallMultiple() * orDefault(s.chunkGapNanos.mean(), 0),
				1.5 * orDefault(s.maxChunkGapNanos.high(), 0)), p.stallFloor(), p.stallCeiling());
	}

	private CallBudget staticBudget(boolean warm) {
		TimeoutProperties p = this.properties;
		Duration ttft = warm ? p.timeToFirstToken() : p.timeToFirstToken().plus(p.coldLoad());
		return new CallBudget(ttft, p.streamStall(), p.total());
	}

	private static double orDefault(double value, double fallback) {
		return Double.isNaN(value) ? fallback : value;
	}

	private static double clamp(double nanos, Duration floor, Duration ceiling) {
		return Math.max(floor.toNanos(), Math.min(ceiling.toNanos(), nanos));
	}

}
