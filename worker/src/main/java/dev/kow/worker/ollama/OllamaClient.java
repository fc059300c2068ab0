package dev.kow.worker.ollama;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.ByteBufMono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls Ollama hosts over HTTP/1.1 with Reactor Netty, always streaming
 * ({@code stream:true}) where the endpoint streams, so a failure shows early and a stall
 * is told apart from a long generation.
 *
 * <p>
 * Budgets: the first line must arrive within {@link CallBudget#timeToFirstToken()}
 * (Ollama sends headers with the first token), each next line within
 * {@link CallBudget#streamStall()}, the whole answer within {@link CallBudget#total()}; a
 * call overtaken by a later call to the same model on the host gets only
 * {@link CallBudget#overtakenFirstToken()} for its first line ({@link RunnerActivity}).
 * One {@link CallWatchdog} task per call on the injected {@link Scheduler} enforces them
 * all against the injected clock. Failures are {@link OllamaCallException}s. Thread-safe.
 */
public final class OllamaClient implements OllamaCalls, AutoCloseable {

	private static final ObjectMapper JSON = JsonMapper.builder().build();

	private final Scheduler timer;

	private final LongSupplier nanoClock;

	private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

	/** By host id and normalised model name. */
	private final Map<String, RunnerActivity> runners = new ConcurrentHashMap<>();

	private final Map<String, ConnectionProvider> providers = new ConcurrentHashMap<>();

	/**
	 * Own event loops: Spring's web server may dispose Reactor Netty's global ones on
	 * shutdown.
	 */
	private final LoopResources loops;

	private final ConnectionSettings connections;

	/**
	 * By host id, the {@code Authorization} header and TLS context (Ollama behind a
	 * reverse proxy).
	 */
	private final Map<String, HostAccess> access;

	/**
	 * A client for hosts that need no authentication.
	 * @param timer scheduler for the budgets
	 * @param nanoClock monotonic clock for the chunk timings reported in answers, ns
	 */
	public OllamaClient(Scheduler timer, LongSupplier nanoClock) {
		this(timer, nanoClock, Map.of());
	}

	/**
	 * @param timer scheduler for the budgets
	 * @param nanoClock monotonic clock for the chunk timings reported in answers, ns
	 * @param access by host id, the {@code Authorization} header and TLS context of hosts
	 * behind a reverse proxy that requires them; hosts not in the map get
	 * {@link HostAccess#NONE}
	 */
	public OllamaClient(Scheduler timer, LongSupplier nanoClock, Map<String, HostAccess> access) {
		this(timer, nanoClock, access, ConnectionSettings.DEFAULTS);
	}

	/**
	 * @param timer scheduler for the budgets
	 * @param nanoClock monotonic clock for the chunk timings reported in answers, ns
	 * @param access by host id, the {@code Authorization} header and TLS context of hosts
	 * behind a reverse proxy that requires them; hosts not in the map get
	 * {@link HostAccess#NONE}
	 * @param connections pool size, idle and connect timeouts, event-loop threads
	 */
	public OllamaClient(Scheduler timer, LongSupplier nanoClock, Map<String, HostAccess> access,
			ConnectionSettings connections) {
		this.timer = timer;
		this.nanoClock = nanoClock;
		this.access = Map.copyOf(access);
		this.connections = connections;
		this.loops = LoopResources.create("ollama-client", connections.eventLoopThreads(), true);
	}

	/**
	 * Runs one call.
	 * @param host host id (for errors and connection pools)
	 * @param baseUrl the host's base URL
	 * @param call what to send
	 * @param budget time budgets
	 * @return the answer; errors are {@link OllamaCallException}
	 */
	public Mono<OllamaAnswer> call(String host, URI baseUrl, OllamaCall call, CallBudget budget) {
		return call(host, baseUrl, call, budget, () -> {
		});
	}

	/**
	 * Runs one call and reports each line of its stream as it arrives.
	 * @param host host id (for errors and connection pools)
	 * @param baseUrl the host's base URL
	 * @param call what to send
	 * @param budget time budgets
	 * @param onLine called on the connection's event loop after each NDJSON line is
	 * parsed; must not block
	 * @return the answer; errors are {@link OllamaCallException}
	 */
	@Override
	public Mono<OllamaAnswer> call(String host, URI baseUrl, OllamaCall call, CallBudget budget, Runnable onLine) {
		return Mono.defer(() -> {
			AnswerAccumulator answer = new AnswerAccumulator(host, call.embed(), this.nanoClock);
			RunnerActivity runner = this.runners.computeIfAbsent(host + '\u0000' + ModelNames.normalize(call.model()),
					key -> new RunnerActivity());
			CallWatchdog watchdog = new CallWatchdog(host, budget, runner, this.timer, this.nanoClock);
			NdjsonFramer framer = new NdjsonFramer();
			String body = JSON.writeValueAsString(call.body());
			HttpClient client = client(host, baseUrl);
			if (!call.headers().isEmpty()) {
				client = client.headers(h -> call.headers().forEach(h::set));
			}
			Mono<OllamaAnswer> response = client.post()
				.uri(call.path())
				.send(ByteBufMono.fromString(Mono.just(body)))
				.responseConnection((head, connection) -> {
					watchdog.confirmOn(connection.channel().eventLoop());
					int status = head.status().code();
					if (status != 200) {
						return connection.inbound()
							.receive()
							.aggregate()
							.asString(StandardCharsets.UTF_8)
							.defaultIfEmpty("")
							.flatMapMany(text -> Flux.error(OllamaFailures.fromHttp(host, status, text)));
					}
					return connection.inbound()
						.receive()
						.asByteArray()
						.concatMapIterable(framer::push)
						.concatWith(Flux.defer(() -> Flux.fromIterable(framer.finish())));
				})
				.doOnNext(line -> {
					answer.accept(parse(host, line, answer));
					watchdog.lineArrived(answer.chunks());
					onLine.run();
				})
				.onErrorMap(error -> OllamaFailures.fromTransport(host, error, answer.chunks()))
				.then(Mono.fromCallable(answer::finish));
			return Mono.firstWithSignal(response, watchdog.expired())
				.doOnSubscribe(subscription -> watchdog.start())
				.doFinally(signal -> watchdog.stop());
		});
	}

	/**
	 * Reads {@code /api/ps}: the models loaded on a host now.
	 * @param host host id
	 * @param baseUrl base URL
	 * @param timeout budget of the call
	 * @return normalised model names ({@code name:tag})
	 */
	public Mono<Set<String>> loadedModels(String host, URI baseUrl, Duration timeout) {
		return client(host, baseUrl).get().uri("/api/ps").responseSingle((response, content) -> {
			if (response.status().code() != 200) {
				return Mono.error(new OllamaCallException(host, FailureKind.SERVER_ERROR, response.status().code(), 0,
						"/api/ps answered " + response.status().code()));
			}
			return content.asString(StandardCharsets.UTF_8).map(text -> {
				Set<String> names = new HashSet<>();
				for (JsonNode model : JSON.readTree(text).path("models")) {
					names.add(ModelNames.normalize(model.path("name").asString("")));
				}
				return names;
			});
		})
			.timeout(timeout, this.timer)
			.onErrorMap(error -> error instanceof OllamaCallException ? error
					: new OllamaCallException(host, FailureKind.CONNECTION, 0, 0, "/api/ps: " + error));
	}

	/**
	 * {@code GET /}: Ollama's liveness answer, the cheapest call there is.
	 * @param host host id
	 * @param baseUrl base URL
	 * @param timeout budget
	 * @return completes empty on 200; errors otherwise
	 */
	public Mono<Void> ping(String host, URI baseUrl, Duration timeout) {
		return client(host, baseUrl).get().uri("/").responseSingle((response, content) -> {
			if (response.status().code() != 200) {
				return Mono.<Void>error(new OllamaCallException(host, FailureKind.SERVER_ERROR,
						response.status().code(), 0, "GET / answered " + response.status().code()));
			}
			return content.then();
		})
			.timeout(timeout, this.timer)
			.onErrorMap(error -> error instanceof OllamaCallException ? error
					: new OllamaCallException(host, FailureKind.CONNECTION, 0, 0, "GET /: " + error));
	}

	@Override
	public void close() {
		this.providers.values().forEach(ConnectionProvider::dispose);
		this.loops.dispose();
	}

	private HttpClient client(String host, URI baseUrl) {
		return this.clients.computeIfAbsent(host, id -> {
			ConnectionProvider provider = ConnectionProvider.builder("ollama-" + id)
				.maxConnections(this.connections.maxConnections())
				.pendingAcquireMaxCount(-1)
				.maxIdleTime(this.connections.maxIdleTime())
				.build();
			this.providers.put(id, provider);
			HostAccess access = this.access.getOrDefault(id, HostAccess.NONE);
			HttpClient client = HttpClient.create(provider)
				.runOn(this.loops)
				.baseUrl(baseUrl.toString())
				.protocol(HttpProtocol.HTTP11)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) this.connections.connectTimeout().toMillis())
				.headers(h -> {
					h.set("Content-Type", "application/json").set("Accept", "application/x-ndjson");
					if (access.authorization() != null) {
						h.set("Authorization", access.authorization());
					}
				});
			// an https URL without a context of ours gets Reactor Netty's default: the
			// JVM's trust store
			SslContext tls = access.tls();
			return tls == null ? client : client.secure(spec -> spec.sslContext(tls));
		});
	}

	private static JsonNode parse(String host, String line, AnswerAccumulator answer) {
		try {
			return JSON.readTree(line);
		}
		catch (JacksonException ex) {
			throw new OllamaCallException(host, FailureKind.PROTOCOL, 200, answer.chunks(),
					"unparseable line of " + line.length() + " chars: " + ex.getOriginalMessage());
		}
	}

}
