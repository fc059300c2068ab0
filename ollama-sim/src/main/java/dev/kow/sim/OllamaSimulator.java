package dev.kow.sim;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

import javax.net.ssl.KeyManagerFactory;

import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One simulated Ollama host. Start with {@link #start(SimConfig)}, stop with
 * {@link #close()}.
 *
 * <p>
 * Serves {@code GET/HEAD /}, {@code /api/version}, {@code /api/tags}, {@code /api/ps},
 * {@code POST /api/generate}, {@code /api/chat}, {@code /api/embed} and the legacy
 * {@code /api/embeddings}; unknown paths get 404 {@code 404 page not found}, wrong
 * methods 405. Not simulated: {@code /v1/*} (OpenAI), {@code /api/show}, pulls and
 * pushes.
 */
public final class OllamaSimulator implements AutoCloseable {

	private static final Set<String> KNOWN_PATHS = Set.of("/", "/api/version", "/api/tags", "/api/ps", "/api/generate",
			"/api/chat", "/api/embed", "/api/embeddings");

	private static final int TOKENS_BEFORE_MIDSTREAM_FAULT = 3;

	/** The error of a runner that fails mid-generation, as Ollama words it. */
	private static final String RUNNER_ERROR = "an error was encountered while running the model: CUDA error: an illegal memory access was encountered";

	private final SimConfig config;

	private final Faults faults;

	private final RequestLog log = new RequestLog();

	/**
	 * Whether {@link #downFor} has the host down now: connections it closes are not the
	 * client's doing.
	 */
	private volatile boolean down;

	private volatile String requiredAuthorization;

	/** Set by {@link #close}: a host that is down stays down. Guarded by this. */
	private boolean closed;

	private final Scheduler timer;

	private final LongSupplier nanoClock;

	private final Clock clock;

	private final Runners runners;

	private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

	private final LoopResources loops = LoopResources.create("ollama-sim", 1, 2, true);

	private volatile DisposableServer server;

	private final int port;

	/** Server-side TLS material, or null for plain HTTP. */
	private final KeyManagerFactory tls;

	private OllamaSimulator(SimConfig config, KeyManagerFactory tls, SimRuntime runtime) {
		this.config = config;
		this.tls = tls;
		this.clock = runtime.wall();
		this.nanoClock = runtime.nanos();
		this.faults = new Faults(runtime.faultSeed());
		this.timer = Schedulers.newParallel("ollama-sim-timer", 2, true);
		this.runners = new Runners(config, this.timer, this.nanoClock, this.clock);
		this.server = bind(config.port());
		this.port = this.server.port();
	}

	/**
	 * Binds and starts a simulated host.
	 * @param config the settings
	 * @return the running host
	 */
	public static OllamaSimulator start(SimConfig config) {
		return start(config, SimRuntime.system());
	}

	/**
	 * Binds and starts a simulated host with injected clocks and fault seed.
	 * @param config the settings
	 * @param runtime clocks and seed
	 * @return the running host
	 */
	public static OllamaSimulator start(SimConfig config, SimRuntime runtime) {
		return new OllamaSimulator(config, null, runtime);
	}

	/**
	 * Binds and starts a simulated host that serves HTTPS only, as Ollama behind a
	 * TLS-terminating reverse proxy does (Ollama itself speaks plain HTTP).
	 * @param config the settings
	 * @param keys the server's key and certificate chain
	 * @return the running host; {@link #baseUrl()} is {@code https://HOST:PORT}
	 */
	public static OllamaSimulator startTls(SimConfig config, KeyManagerFactory keys) {
		return new OllamaSimulator(config, keys, SimRuntime.system());
	}

	/**
	 * @return the bound port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * @return {@code http://HOST:PORT}, or {@code https://} when started with TLS
	 */
	public String baseUrl() {
		return (this.tls == null ? "http://" : "https://") + this.config.host() + ":" + this.port;
	}

	/**
	 * @return the fault plan, changeable while running
	 */
	public Faults faults() {
		return this.faults;
	}

	/**
	 * @return what this host was asked
	 */
	public RequestLog requestLog() {
		return this.log;
	}

	/**
	 * @return the settings
	 */
	public SimConfig config() {
		return this.config;
	}

	/**
	 * Takes the host down: closes the listening socket and every open connection now, and
	 * binds the same port again after {@code downtime} (real time, not scaled).
	 * @param downtime how long connections are refused
	 */
	public synchronized void downFor(Duration downtime) {
		this.down = true;
		// like a crashed server: stop accepting and cut every open connection at once
		// (disposeNow alone
		// would first let in-flight answers finish, for up to its timeout)
		this.server.channel().close().syncUninterruptibly();
		this.connections.close();
		this.server.disposeNow(Duration.ofSeconds(1));
		// binding blocks, which Reactor forbids on its timer threads: a virtual thread
		// sleeps and binds
		Thread.ofVirtual().name("ollama-sim-up").start(() -> {
			try {
				Thread.sleep(downtime);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			synchronized (this) {
				if (this.closed) {
					return;
				}
				this.server = bind(this.port);
				this.down = false;
			}
		});
	}

	@Override
	public void close() {
		synchronized (this) {
			this.closed = true;
		}
		this.server.disposeNow(Duration.ofSeconds(2));
		this.connections.close();
		this.timer.dispose();
		this.loops.disposeLater().block(Duration.ofSeconds(5));
	}

	private DisposableServer bind(int bindPort) {
		HttpServer server = HttpServer.create()
			.runOn(this.loops)
			.host(this.config.host())
			.port(bindPort)
			.doOnConnection(connection -> this.connections.add(connection.channel()))
			.route(this::routes);
		if (this.tls != null) {
			server = server.secure(spec -> spec.sslContext(Http11SslContextSpec.forServer(this.tls)));
		}
		return server.bindNow(Duration.ofSeconds(10));
	}

	private void routes(HttpServerRoutes routes) {
		routes.get("/", guard((req, res) -> text(res, 200, "Ollama is running")))
			.head("/", guard((req, res) -> text(res, 200, "Ollama is running")))
			.get("/api/version",
					guard((req, res) -> json(res, 200, Json.object().put("version", this.config.version()))))
			.head("/api/version",
					guard((req, res) -> json(res, 200, Json.object().put("version", this.config.version()))))
			.get("/api/tags", guard((req, res) -> json(res, 200, tags())))
			.get("/api/ps", guard((req, res) -> json(res, 200, ps())))
			.post("/api/generate", guard((req, res) -> handle(req, res, this::generate)))
			.post("/api/chat", guard((req, res) -> handle(req, res, this::chat)))
			.post("/api/embed", guard((req, res) -> handle(req, res, this::embed)))
			.post("/api/embeddings", guard((req, res) -> handle(req, res, this::legacyEmbeddings)))
			.route(req -> true, guard((req, res) -> {
				String path = req.fullPath().isEmpty() ? "/" : req.fullPath();
				return KNOWN_PATHS.contains(path) ? text(res, 405, "405 method not allowed")
						: text(res, 404, "404 page not found");
			}));
	}

	/**
	 * Stands in for a reverse proxy in front of Ollama (Ollama itself has no
	 * authentication): every request must carry this {@code Authorization} header value,
	 * else it gets {@code 401} with a plain text body, as nginx or Caddy answer.
	 * @param authorization the expected header value, for example {@code Bearer s3cret};
	 * null: none needed
	 */
	public void requireAuthorization(String authorization) {
		this.requiredAuthorization = authorization;
	}

	private BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> guard(
			BiFunction<HttpServerRequest, HttpServerResponse, Mono<Void>> handler) {
		return (req, res) -> {
			if (this.down) {
				// a crashed server answers nothing, also on a connection accepted just as
				// it went down
				res.withConnection(connection -> connection.channel().close());
				return Mono.empty();
			}
			String required = this.requiredAuthorization;
			if (required != null && !required.equals(req.requestHeaders().get("Authorization"))) {
				return req.receive().then(text(res, 401, "401 Unauthorized"));
			}
			return handler.apply(req, res);
		};
	}

	@FunctionalInterface
	private interface Endpoint {

		Mono<Void> serve(JsonNode body, HttpServerResponse res, long arrivalNanos);

	}

	private Mono<Void> handle(HttpServerRequest req, HttpServerResponse res, Endpoint endpoint) {
		long arrival = this.nanoClock.getAsLong();
		String traceparent = req.requestHeaders().get("traceparent");
		if (traceparent != null) {
			this.log.traceparent(traceparent);
		}
		return req.receive()
			.aggregate()
			.asString(StandardCharsets.UTF_8)
			.defaultIfEmpty("")
			.flatMap(body -> endpoint.serve(Json.parseRequest(body), res, arrival))
			.onErrorResume(SimHttpError.class, e -> error(res, e.status(), e.getMessage()));
	}

	// ---- generate and chat
	// --------------------------------------------------------------------

	private Mono<Void> generate(JsonNode body, HttpServerResponse res, long arrival) {
		String modelName = Json.string(body, "model", "GenerateRequest");
		ModelSpec spec = this.config.catalog().find(modelName);
		if (spec == null) {
			throw new SimHttpError(404, "model '" + modelName + "' not found");
		}
		if (!spec.can("completion")) {
			throw new SimHttpError(400, "\"" + modelName + "\" does not support generate");
		}
		String prompt = Json.string(body, "prompt", "GenerateRequest");
		String system = Json.string(body, "system", "GenerateRequest");
		boolean raw = body.path("raw").asBoolean(false);
		if (raw && (!system.isEmpty() || body.hasNonNull("template") || body.hasNonNull("context"))) {
			throw new SimHttpError(400, "raw mode does not support template, system, or context");
		}
		Request request = common(body, spec, modelName, "/api/generate");
		if (prompt.isEmpty() && !body.hasNonNull("suffix")) {
			return loadOrUnload(res, request, arrival, false);
		}
		int promptTokens = fitToContext(body, request,
				TextGenerator.estimateTokens(system) + TextGenerator.estimateTokens(prompt) + 8);
		return infer(res, request, promptTokens, TextGenerator.seed(spec.name(), system, prompt, request.seedText()),
				arrival, false, tag(prompt));
	}

	private Mono<Void> chat(JsonNode body, HttpServerResponse res, long arrival) {
		String modelName = Json.string(body, "model", "ChatRequest");
		if (modelName.isEmpty()) {
			throw new SimHttpError(400, "model is required");
		}
		ModelSpec spec = this.config.catalog().find(modelName);
		if (spec == null) {
			throw new SimHttpError(404, "model '" + modelName + "' not found");
		}
		if (!spec.can("completion")) {
			throw new SimHttpError(400, "\"" + modelName + "\" does not support chat");
		}
		if (body.path("tools").isArray() && !body.path("tools").isEmpty() && !spec.can("tools")) {
			throw new SimHttpError(400, ModelCatalog.qualified(spec) + " does not support tools");
		}
		Request request = common(body, spec, modelName, "/api/chat");
		JsonNode messages = body.path("messages");
		if (!messages.isMissingNode() && !messages.isNull() && !messages.isArray()) {
			throw new SimHttpError(400, "json: cannot unmarshal " + Json.goKind(messages)
					+ " into Go struct field ChatRequest.messages of type []api.Message");
		}
		if (!messages.isArray() || messages.isEmpty()) {
			return loadOrUnload(res, request, arrival, true);
		}
		StringBuilder all = new StringBuilder();
		List<Integer> sizes = new ArrayList<>();
		List<Boolean> system = new ArrayList<>();
		String lastContent = "";
		for (JsonNode message : messages) {
			String content = Json.string(message, "content", "Message");
			lastContent = content;
			all.append(message.path("role").asString("")).append(':').append(content).append('\n');
			sizes.add(TextGenerator.estimateTokens(content) + 4 + 768 * message.path("images").size());
			system.add("system".equals(message.path("role").asString("")));
		}
		int promptTokens = sizes.stream().mapToInt(Integer::intValue).sum();
		if (promptTokens > request.numCtx() && truncates(body)) {
			// the oldest messages that are neither system nor the last one go first
			// (docs/ollama-behaviour.md, "Context window and truncation")
			for (int i = 0; i < sizes.size() - 1 && promptTokens > request.numCtx(); i++) {
				if (!system.get(i)) {
					promptTokens -= sizes.get(i);
				}
			}
		}
		promptTokens = fitToContext(body, request, promptTokens);
		return infer(res, request, promptTokens, TextGenerator.seed(spec.name(), all.toString(), request.seedText()),
				arrival, true, tag(lastContent));
	}

	/**
	 * The message of Ollama's 400 for a prompt over the context window when it may not
	 * truncate.
	 */
	static final String PROMPT_TOO_LONG = "the prompt is longer than the context length currently available to the model;"
			+ " shorten the prompt, adjust the context length in settings, or use a model with a longer context length";

	/**
	 * @return whether Ollama may truncate the prompt: {@code truncate} and {@code shift}
	 * are not false
	 */
	private static boolean truncates(JsonNode body) {
		return body.path("truncate").asBoolean(true) && body.path("shift").asBoolean(true);
	}

	/**
	 * Ollama's context rule for a prompt that is still over {@code num_ctx}
	 * (docs/ollama-behaviour.md, "Context window and truncation"): with
	 * {@code truncate:false} or {@code shift:false}, a 400; otherwise a silent cut to
	 * about half the window (keep the first {@code num_keep} tokens and the tail),
	 * visible only in {@code prompt_eval_count}.
	 * @return the prompt tokens that are evaluated
	 */
	private static int fitToContext(JsonNode body, Request request, int promptTokens) {
		int numCtx = request.numCtx();
		if (promptTokens <= numCtx) {
			return promptTokens;
		}
		if (!truncates(body)) {
			throw new SimHttpError(400, PROMPT_TOO_LONG);
		}
		int numKeep = Math.max(0, Math.min(body.path("options").path("num_keep").asInt(4), numCtx));
		return numCtx - (numCtx - numKeep) / 2;
	}

	/** What generate and chat share, validated. */
	private record Request(String path, ModelSpec spec, String modelEcho, boolean stream, Duration keepAlive,
			int numCtx, int numPredict, boolean json, boolean think, String seedText) {
	}

	private Request common(JsonNode body, ModelSpec spec, String modelEcho, String path) {
		Duration keepAlive = KeepAlive.parse(body.get("keep_alive"));
		JsonNode think = body.get("think");
		boolean thinking;
		if (think == null || think.isNull()) {
			thinking = spec.can("thinking");
		}
		else if (think.isBoolean()) {
			thinking = think.asBoolean();
		}
		else if (think.isString() && Set.of("low", "medium", "high", "max").contains(think.asString())) {
			thinking = true;
		}
		else {
			throw new SimHttpError(400, "invalid think value: " + think
					+ " (must be \"low\", \"medium\", \"high\", \"max\", true, or false)");
		}
		if (thinking && !spec.can("thinking") && think != null && !think.isNull()) {
			throw new SimHttpError(400, "\"" + modelEcho + "\" does not support thinking");
		}
		if (body.has("top_logprobs")) {
			int top = body.path("top_logprobs").asInt(0);
			if (top < 0 || top > 20) {
				throw new SimHttpError(400, "top_logprobs must be between 0 and 20");
			}
		}
		JsonNode options = body.path("options");
		Json.checkOptions(options);
		int numCtx = Math.min(options.path("num_ctx").asInt(this.config.defaultNumCtx()), spec.contextLength());
		int numPredict = options.path("num_predict").asInt(-1);
		JsonNode format = body.get("format");
		boolean json = format != null && (format.isObject() || "json".equals(format.asString("")));
		if (format != null && !format.isNull() && !format.isObject() && !format.asString("").isEmpty()
				&& !"json".equals(format.asString(""))) {
			throw new SimHttpError(500,
					"invalid format: " + format + "; expected \"json\" or a valid JSON Schema object");
		}
		return new Request(path, spec, modelEcho, body.path("stream").asBoolean(true), keepAlive, Math.max(4, numCtx),
				numPredict, json, thinking && spec.can("thinking"),
				options.path("seed").asString("") + options.path("temperature").asString(""));
	}

	private Mono<Void> loadOrUnload(HttpServerResponse res, Request request, long arrival, boolean chat) {
		ObjectNode answer = Json.object()
			.put("model", request.modelEcho())
			.put("created_at", Instant.now(this.clock).toString());
		if (chat) {
			answer.set("message", Json.object().put("role", "assistant").put("content", ""));
		}
		else {
			answer.put("response", "");
		}
		answer.put("done", true);
		if (request.keepAlive() != null && request.keepAlive().isZero()) {
			this.runners.unloadWhenIdle(request.spec());
			return json(res, 200, answer.put("done_reason", "unload"));
		}
		return this.runners.acquire(request.spec(), request.numCtx(), request.keepAlive(), arrival).flatMap(lease -> {
			lease.release();
			return json(res, 200, answer.put("done_reason", "load"));
		});
	}

	private static String tag(String text) {
		String trimmed = text.strip();
		int end = 0;
		while (end < trimmed.length() && end < 64 && !Character.isWhitespace(trimmed.charAt(end))) {
			end++;
		}
		return trimmed.substring(0, end);
	}

	private Mono<Void> infer(HttpServerResponse res, Request request, int promptTokens, long seed, long arrival,
			boolean chat, String tag) {
		int natural = TextGenerator.naturalLength(seed);
		int cap = request.numPredict() < 0 ? 10 * request.numCtx() : request.numPredict();
		int outTokens = Math.max(1, Math.min(natural, cap));
		String doneReason = natural > cap ? "length" : "stop";
		List<String> tokens = TextGenerator.tokens(seed, outTokens, request.json());
		int thinkingTokens = request.think() ? outTokens / 3 : 0;
		Fault fault = this.faults.draw();
		FaultEffect effect = FaultEffect.of(fault);
		AtomicInteger status = new AtomicInteger(200);
		long arrivedAtMs = this.clock.millis();
		Trace trace = new Trace();
		this.log.started();
		Mono<Void> run = switch (effect.answer()) {
			case BUSY_503 -> Mono.error(new SimHttpError(503, SimHttpError.BUSY));
			case ERROR_500 -> Mono.error(new SimHttpError(500, "llama runner process has terminated: exit status 2"));
			case RESET -> reset(res);
			case NORMALLY -> Mono.delay(this.config.scaled(this.config.profile().warmLoad()), this.timer)
				.then(this.runners.acquire(request.spec(), request.numCtx(), request.keepAlive(), arrival))
				.doOnNext(lease -> trace.grantedAtMs = lease.grantedAtMs())
				.flatMap(lease -> Mono.usingWhen(Mono.just(lease),
						l -> stream(res, request, l, tokens, thinkingTokens, promptTokens, doneReason, effect, arrival,
								chat, trace),
						l -> Mono.fromRunnable(l::release), (l, e) -> Mono.fromRunnable(l::release),
						l -> Mono.fromRunnable(l::release)));
		};
		return run.onErrorResume(SimHttpError.class, e -> {
			status.set(e.status());
			return error(res, e.status(), e.getMessage());
		})
			.doFinally(signal -> this.log.finished(trace.entry(request.path(), request.modelEcho(), status.get(), fault,
					promptTokens, fault == Fault.NONE ? outTokens : 0, tag, arrivedAtMs, this.clock.millis(),
					!this.down && effect.clientMayEnd())));
	}

	/**
	 * What happened to one request, for its {@link RequestLog.Entry}; written by its own
	 * pipeline only. An answer that ends unfinished while the host is up, without a fault
	 * that ends it by itself, ended because the client left (Reactor Netty completes the
	 * handler when the connection closes).
	 */
	private static final class Trace {

		volatile long grantedAtMs;

		volatile long firstChunkAtMs;

		volatile long lastChunkAtMs;

		volatile int chunks;

		volatile boolean completed;

		void chunk(long nowMs) {
			if (this.chunks == 0) {
				this.firstChunkAtMs = nowMs;
			}
			this.lastChunkAtMs = nowMs;
			this.chunks++;
		}

		RequestLog.Entry entry(String path, String model, int status, Fault fault, int promptTokens, int evalTokens,
				String tag, long arrivedAtMs, long finishedAtMs, boolean clientGone) {
			return new RequestLog.Entry(path, model, status, fault, promptTokens, evalTokens, tag, arrivedAtMs,
					this.grantedAtMs, finishedAtMs, this.firstChunkAtMs, this.lastChunkAtMs, this.chunks,
					this.completed, clientGone && !this.completed);
		}

	}

	/** Decode progress of one stream. */
	private static final class Progress {

		int next;

		int chunks;

		long prefillDoneNanos;

		long dueNanos;

		final StringBuilder response = new StringBuilder();

		final StringBuilder thinking = new StringBuilder();

	}

	private Mono<Void> stream(HttpServerResponse res, Request request, Runners.Lease lease, List<String> tokens,
			int thinkingTokens, int promptTokens, String doneReason, FaultEffect effect, long arrival, boolean chat,
			Trace trace) {
		double speed = this.config.profile().decodeTokensPerSecond() * request.spec().speedFactor();
		Duration prefill = this.config.scaled(Duration.ofNanos((long) (promptTokens * 1e9
				/ (this.config.profile().prefillTokensPerSecond() * request.spec().speedFactor()))));
		if (effect.slowFirstToken()) {
			prefill = prefill.plus(this.config.scaled(this.faults.slowFirstToken()));
		}
		int chunkLimit = effect.endsMidstream() ? TOKENS_BEFORE_MIDSTREAM_FAULT : Integer.MAX_VALUE;
		Progress progress = new Progress();
		// Delays are computed against absolute due times, so timer and CPU latency do not
		// accumulate
		// into a slower simulated GPU: a late chunk makes the next one due sooner.
		Flux<ObjectNode> chunks = Mono.defer(() -> {
			double perStream = speed / (1 + this.config.profile().concurrencySlowdown() * (lease.activeStreams() - 1));
			long tokenNanos = (long) (1e9 / perStream * this.config.timeScale());
			int k = (int) Math.max(1,
					Math.ceil((double) this.config.minChunkInterval().toNanos() / Math.max(1, tokenNanos)));
			int from = progress.next;
			int to = Math.min(tokens.size(), from + k);
			progress.next = to;
			progress.chunks++;
			progress.dueNanos += tokenNanos * (to - from);
			return Mono.delay(Duration.ofNanos(Math.max(0, progress.dueNanos - this.nanoClock.getAsLong())), this.timer)
				.map(tick -> {
					trace.chunk(this.clock.millis());
					return delta(request, chat, tokens.subList(from, to), from < thinkingTokens, progress);
				});
		}).repeat(() -> progress.next < tokens.size() && progress.chunks < chunkLimit);
		long prefillDue = lease.grantedNanos() + prefill.toNanos();
		Flux<ObjectNode> body = Mono
			.defer(() -> Mono.delay(Duration.ofNanos(Math.max(0, prefillDue - this.nanoClock.getAsLong())), this.timer))
			.doOnNext(tick -> {
				progress.prefillDoneNanos = this.nanoClock.getAsLong();
				progress.dueNanos = Math.max(prefillDue,
						progress.prefillDoneNanos - this.config.minChunkInterval().toNanos());
			})
			.thenMany(chunks);
		Mono<ObjectNode> last = Mono
			.fromCallable(
					() -> finalChunk(request, chat, lease, promptTokens, tokens.size(), doneReason, arrival, progress))
			.doOnNext(chunk -> trace.completed = true);
		if (!request.stream()) {
			return switch (effect.ending()) {
				case STALL -> body.then(Mono.never());
				case ERROR_LINE -> body.then(Mono.error(new SimHttpError(500, RUNNER_ERROR)));
				case TRUNCATED -> body.then(reset(res));
				case COMPLETE -> body.then(last).flatMap(f -> json(res, 200, whole(request, chat, f, progress)));
			};
		}
		Flux<ObjectNode> all = switch (effect.ending()) {
			case STALL -> body.concatWith(Flux.never());
			case ERROR_LINE -> body.concatWith(Mono.just(Json.object().put("error", RUNNER_ERROR)));
			case TRUNCATED -> body;
			case COMPLETE -> body.concatWith(last);
		};
		return res.status(200)
			.header("Content-Type", "application/x-ndjson")
			.sendString(all.map(node -> Json.write(node) + "\n"), StandardCharsets.UTF_8)
			.then();
	}

	private ObjectNode delta(Request request, boolean chat, List<String> text, boolean isThinking, Progress progress) {
		String joined = String.join("", text);
		(isThinking ? progress.thinking : progress.response).append(joined);
		ObjectNode chunk = Json.object()
			.put("model", request.modelEcho())
			.put("created_at", Instant.now(this.clock).toString());
		if (chat) {
			ObjectNode message = Json.object().put("role", "assistant").put("content", isThinking ? "" : joined);
			if (isThinking) {
				message.put("thinking", joined);
			}
			chunk.set("message", message);
		}
		else {
			chunk.put("response", isThinking ? "" : joined);
			if (isThinking) {
				chunk.put("thinking", joined);
			}
		}
		return chunk.put("done", false);
	}

	private ObjectNode finalChunk(Request request, boolean chat, Runners.Lease lease, int promptTokens, int evalTokens,
			String doneReason, long arrival, Progress progress) {
		long now = this.nanoClock.getAsLong();
		long prefillStart = lease.grantedNanos();
		ObjectNode chunk = Json.object()
			.put("model", request.modelEcho())
			.put("created_at", Instant.now(this.clock).toString());
		if (chat) {
			chunk.set("message", Json.object().put("role", "assistant").put("content", ""));
		}
		else {
			chunk.put("response", "");
		}
		chunk.put("done", true)
			.put("done_reason", doneReason)
			.put("total_duration", Math.max(1, now - arrival))
			.put("load_duration", lease.loadDurationNanos())
			.put("prompt_eval_count", promptTokens)
			.put("prompt_eval_duration", Math.max(1, progress.prefillDoneNanos - prefillStart))
			.put("eval_count", evalTokens)
			.put("eval_duration", Math.max(1, now - progress.prefillDoneNanos));
		return chunk;
	}

	private ObjectNode whole(Request request, boolean chat, ObjectNode last, Progress progress) {
		if (chat) {
			ObjectNode message = Json.object().put("role", "assistant").put("content", progress.response.toString());
			if (!progress.thinking.isEmpty()) {
				message.put("thinking", progress.thinking.toString());
			}
			last.set("message", message);
		}
		else {
			last.put("response", progress.response.toString());
			if (!progress.thinking.isEmpty()) {
				last.put("thinking", progress.thinking.toString());
			}
		}
		return last;
	}

	// ---- embeddings
	// ---------------------------------------------------------------------------

	private Mono<Void> embed(JsonNode body, HttpServerResponse res, long arrival) {
		String modelName = Json.string(body, "model", "EmbedRequest");
		ModelSpec spec = this.config.catalog().find(modelName);
		if (spec == null) {
			throw new SimHttpError(404, "model \"" + modelName + "\" not found, try pulling it first");
		}
		JsonNode input = body.path("input");
		List<String> inputs = new ArrayList<>();
		if (input.isString()) {
			inputs.add(input.asString());
		}
		else if (input.isArray()) {
			for (JsonNode item : input) {
				if (!item.isString()) {
					throw new SimHttpError(400, "invalid input type");
				}
				inputs.add(item.asString());
			}
		}
		else if (!input.isMissingNode() && !input.isNull()) {
			throw new SimHttpError(400, "invalid input type");
		}
		boolean truncate = body.path("truncate").asBoolean(true);
		int dimensions = body.path("dimensions").asInt(spec.embeddingLength());
		int tokens = 0;
		for (String text : inputs) {
			int count = TextGenerator.estimateTokens(text);
			if (!truncate && count > spec.contextLength()) {
				throw new SimHttpError(400, "the input length exceeds the context length");
			}
			tokens += Math.min(count, spec.contextLength());
		}
		int promptTokens = tokens;
		Duration keepAlive = KeepAlive.parse(body.get("keep_alive"));
		this.log.started();
		AtomicInteger status = new AtomicInteger(200);
		long arrivedAtMs = this.clock.millis();
		Trace trace = new Trace();
		String tag = inputs.isEmpty() ? "" : tag(inputs.get(0));
		return this.runners.acquire(spec, this.config.defaultNumCtx(), keepAlive, arrival)
			.doOnNext(lease -> trace.grantedAtMs = lease.grantedAtMs())
			.flatMap(lease -> Mono
				.delay(this.config.scaled(Duration.ofNanos((long) (promptTokens * 1e9
						/ (this.config.profile().prefillTokensPerSecond() * spec.speedFactor())))), this.timer)
				.then(Mono.fromCallable(() -> {
					ObjectNode answer = Json.object().put("model", modelName);
					ArrayNode vectors = answer.putArray("embeddings");
					for (String text : inputs) {
						ArrayNode vector = vectors.addArray();
						for (float f : TextGenerator.unitVector(TextGenerator.seed(spec.name(), text),
								Math.min(dimensions, spec.embeddingLength()))) {
							vector.add(f);
						}
					}
					if (!inputs.isEmpty()) {
						answer.put("total_duration", Math.max(1, this.nanoClock.getAsLong() - arrival))
							.put("load_duration", lease.loadDurationNanos())
							.put("prompt_eval_count", promptTokens);
					}
					return answer;
				}))
				.doFinally(s -> lease.release()))
			.flatMap(answer -> json(res, 200, answer).doOnSuccess(sent -> trace.completed = true))
			.onErrorResume(SimHttpError.class, e -> {
				status.set(e.status());
				return error(res, e.status(), e.getMessage());
			})
			.doFinally(signal -> this.log.finished(trace.entry("/api/embed", modelName, status.get(), null,
					promptTokens, 0, tag, arrivedAtMs, this.clock.millis(), !this.down)));
	}

	private Mono<Void> legacyEmbeddings(JsonNode body, HttpServerResponse res, long arrival) {
		String modelName = Json.string(body, "model", "EmbeddingRequest");
		ModelSpec spec = this.config.catalog().find(modelName);
		if (spec == null) {
			throw new SimHttpError(404, "model \"" + modelName + "\" not found, try pulling it first");
		}
		String prompt = Json.string(body, "prompt", "EmbeddingRequest");
		ObjectNode answer = Json.object();
		ArrayNode vector = answer.putArray("embedding");
		if (!prompt.isEmpty()) {
			for (float f : TextGenerator.unitVector(TextGenerator.seed(spec.name(), prompt), spec.embeddingLength())) {
				vector.add(f * 7.5f);
			}
		}
		return json(res, 200, answer);
	}

	// ---- listings
	// -----------------------------------------------------------------------------

	private ObjectNode tags() {
		ObjectNode answer = Json.object();
		ArrayNode models = answer.putArray("models");
		for (ModelSpec spec : this.config.catalog().all()) {
			models.add(Json.object()
				.put("name", spec.name())
				.put("model", spec.name())
				.put("modified_at", "2026-08-01T10:00:00.123456789Z")
				.put("size", spec.sizeBytes())
				.put("digest", spec.digest())
				.set("details", details(spec)));
		}
		return answer;
	}

	private ObjectNode ps() {
		ObjectNode answer = Json.object();
		ArrayNode models = answer.putArray("models");
		for (Runners.Loaded row : this.runners.loaded()) {
			ModelSpec spec = row.spec();
			long size = spec.sizeBytes() + (long) row.numCtx() * 131072L * this.config.numParallel() / 1024;
			models.add(Json.object()
				.put("name", spec.name())
				.put("model", spec.name())
				.put("size", size)
				.put("digest", spec.digest())
				.<ObjectNode>set("details", details(spec))
				.put("expires_at", row.expiresAt().toString())
				.put("size_vram", size)
				.put("context_length", row.numCtx()));
		}
		return answer;
	}

	private static ObjectNode details(ModelSpec spec) {
		ObjectNode details = Json.object().put("parent_model", "").put("format", "gguf").put("family", spec.family());
		details.putArray("families").add(spec.family());
		return details.put("parameter_size", spec.parameterSize()).put("quantization_level", spec.quantization());
	}

	// ---- responses
	// ----------------------------------------------------------------------------

	private static Mono<Void> text(HttpServerResponse res, int status, String body) {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		return res.status(status)
			.header("Content-Type", "text/plain; charset=utf-8")
			.header("Content-Length", Integer.toString(bytes.length))
			.sendByteArray(Mono.just(bytes))
			.then();
	}

	private static Mono<Void> json(HttpServerResponse res, int status, ObjectNode body) {
		byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
		return res.status(status)
			.header("Content-Type", "application/json; charset=utf-8")
			.header("Content-Length", Integer.toString(bytes.length))
			.sendByteArray(Mono.just(bytes))
			.then();
	}

	private static Mono<Void> error(HttpServerResponse res, int status, String message) {
		return json(res, status, Json.object().put("error", message));
	}

	private static Mono<Void> reset(HttpServerResponse res) {
		return Mono.fromRunnable(() -> res.withConnection(connection -> {
			connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
			connection.channel().close();
		}));
	}

}
