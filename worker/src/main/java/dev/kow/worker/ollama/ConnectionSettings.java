package dev.kow.worker.ollama;

import java.time.Duration;

/**
 * The HTTP client's pool and timeouts, per host ({@code worker.ollama.http.*}).
 *
 * @param maxConnections connections per host; a streaming call holds one for its whole
 * answer
 * @param maxIdleTime an idle connection is closed after this
 * @param connectTimeout TCP connect timeout
 * @param eventLoopThreads Netty event-loop threads shared by all hosts
 */
public record ConnectionSettings(int maxConnections, Duration maxIdleTime, Duration connectTimeout,
		int eventLoopThreads) {

	/** The documented defaults: 256 connections, 30 s idle, 5 s connect, 2 threads. */
	public static final ConnectionSettings DEFAULTS = new ConnectionSettings(256, Duration.ofSeconds(30),
			Duration.ofSeconds(5), 2);

}
