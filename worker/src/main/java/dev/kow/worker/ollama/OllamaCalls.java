package dev.kow.worker.ollama;

import java.net.URI;

import reactor.core.publisher.Mono;

/**
 * Runs inference calls on Ollama hosts: the edge between the worker and its GPU hosts.
 * {@link OllamaClient} is the implementation; tests of the worker's own logic stand in
 * for it here.
 */
public interface OllamaCalls {

	/**
	 * Runs one call and reports each line of its stream as it arrives. Cancelling the
	 * subscription closes the connection, which stops Ollama's generation within about
	 * one token.
	 * @param host host id (for errors and connection pools)
	 * @param baseUrl the host's base URL
	 * @param call what to send
	 * @param budget time budgets
	 * @param onLine called on the connection's event loop after each NDJSON line is
	 * parsed; must not block
	 * @return the answer; errors are {@link OllamaCallException}
	 */
	Mono<OllamaAnswer> call(String host, URI baseUrl, OllamaCall call, CallBudget budget, Runnable onLine);

}
