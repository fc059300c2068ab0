package dev.kow.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.Profile;
import dev.kow.sim.RequestLog;
import dev.kow.sim.SimConfig;

/** What the simulated hosts saw, and the figures derived from it. */
final class HostLogs {

	final List<RequestLog.Entry> served;

	private final SimConfig config;

	private final int totalSlots;

	HostLogs(List<OllamaSimulator> hosts) {
		this.served = new ArrayList<>();
		hosts.forEach(h -> h.requestLog()
			.entries()
			.stream()
			.filter(e -> e.status() == 200 && e.grantedAtMs() > 0)
			.forEach(this.served::add));
		this.config = hosts.get(0).config();
		this.totalSlots = hosts.size() * this.config.numParallel();
	}

	/**
	 * @return the first arrival at any host, epoch ms
	 */
	long firstArrivalMs() {
		return this.served.stream().mapToLong(RequestLog.Entry::arrivedAtMs).min().orElse(0);
	}

	/**
	 * @return the last finish at any host, epoch ms
	 */
	long lastFinishMs() {
		return this.served.stream().mapToLong(RequestLog.Entry::finishedAtMs).max().orElse(0);
	}

	/**
	 * The shortest time the served work could take on these hosts: each request's service
	 * time with every slot busy (the simulator's own speed model: prefill, then decode at
	 * {@code base / (1 + slowdown x (slots - 1))}), summed and spread over all slots.
	 * @return ideal makespan, ms
	 */
	double idealMakespanMs() {
		Profile p = this.config.profile();
		double perStream = p.decodeTokensPerSecond() / (1 + p.concurrencySlowdown() * (this.config.numParallel() - 1));
		double seconds = 0;
		for (RequestLog.Entry e : this.served) {
			seconds += p.warmLoad().toNanos() / 1e9 + e.promptTokens() / p.prefillTokensPerSecond()
					+ e.evalTokens() / perStream;
		}
		return seconds * this.config.timeScale() * 1000 / this.totalSlots;
	}

	/**
	 * @return mean slots busy between the first arrival and the last finish (GPU time /
	 * makespan)
	 */
	double meanBusySlots() {
		long makespan = lastFinishMs() - firstArrivalMs();
		return makespan <= 0 ? 0
				: this.served.stream().mapToLong(RequestLog.Entry::serviceMs).sum() / (double) makespan;
	}

	List<RequestLog.Entry> where(Predicate<RequestLog.Entry> filter) {
		return this.served.stream().filter(filter).toList();
	}

	/**
	 * @return {@code count}, {@code p50}, {@code p95}, {@code p99} of values (ms)
	 */
	static Map<String, Object> percentiles(List<Long> values) {
		List<Long> sorted = new ArrayList<>(values);
		sorted.sort(null);
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("count", sorted.size());
		for (double q : new double[] { 0.50, 0.95, 0.99 }) {
			long value = sorted.isEmpty() ? 0
					: sorted.get(Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)));
			out.put("p" + (int) Math.round(q * 100), value);
		}
		return out;
	}

	static double round(double value, int digits) {
		double scale = Math.pow(10, digits);
		return Math.round(value * scale) / scale;
	}

}
