package dev.thinktune.serve;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP side of the server, on netty (the library under Vert.x, already on the class path): connections are
 * read without blocking on one event-loop thread, so clients that send their request slowly hold no thread, and a
 * request reaches a handler thread only once its headers and body have fully arrived.
 * <ul>
 *   <li>Each connection has {@link Limits#requestTimeoutMillis} for a request's line, headers and body, counted
 *       from the connection's opening or the end of its previous response; past it the connection is closed,
 *       however many bytes trickle in. A kept-alive connection without a next request is closed after the same
 *       time.</li>
 *   <li>Bodies over {@link Limits#maxBodyBytes} get 413 and the connection is closed; a request the HTTP decoder
 *       cannot parse gets 400.</li>
 *   <li>Requests beyond what the handler threads and their queue hold get 503.</li>
 * </ul>
 */
final class HttpFront implements AutoCloseable {

    /** Where to listen and the limits. */
    record Limits(String host, int port, int threads, int queue, long requestTimeoutMillis, int maxBodyBytes) {
    }

    /** One fully received request and the way back to its client; every method may be called from any thread. */
    interface Exchange {
        String method();

        /** The path, without the query. */
        String path();

        /** A request header, or null. */
        String header(String name);

        byte[] body();

        /** A whole response; the exchange is then over. */
        void respond(int status, Map<String, String> headers, byte[] body);

        /** Starts a chunked response; {@link #write} and {@link #endStream} follow. */
        void startStream(int status, Map<String, String> headers);

        void write(byte[] chunk);

        void endStream();
    }

    /** Handles one fully received request on a handler thread; it must end the exchange. */
    @FunctionalInterface
    interface Handler {
        void handle(Exchange exchange);
    }

    private final Limits limits;
    private final EventLoopGroup loop;
    private final ThreadPoolExecutor handlers;
    private final Channel listening;

    private HttpFront(Limits limits, Handler handler) {
        this.limits = limits;
        AtomicInteger n = new AtomicInteger();
        this.handlers = new ThreadPoolExecutor(limits.threads(), limits.threads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.queue()), r -> daemon(r, "serve-" + n.incrementAndGet()));
        this.loop = new NioEventLoopGroup(1, new DefaultThreadFactory("serve-io", true));
        ServerBootstrap bootstrap = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(8192, 16384, 8192), new BodyLimit(),
                                new Connection(handler));
                    }
                });
        try {
            this.listening = bootstrap.bind(limits.host(), limits.port()).sync().channel();
        } catch (Exception e) { // netty rethrows the bind failure undeclared
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            handlers.shutdownNow();
            throw new UncheckedIOException("cannot listen on " + limits.host() + ":" + limits.port() + ": "
                    + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Listens on {@code limits.host():limits.port()} and hands each complete request to {@code handler}. */
    static HttpFront start(Limits limits, Handler handler) {
        return new HttpFront(limits, handler);
    }

    int port() {
        return ((InetSocketAddress) listening.localAddress()).getPort();
    }

    /** Stops listening, closes every connection and interrupts requests in progress. */
    @Override
    public void close() {
        handlers.shutdownNow();
        listening.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        try {
            handlers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] errorJson(String message) {
        return ("{\"error\": {\"message\": \"" + message + "\", \"type\": \"invalid_request_error\", "
                + "\"param\": null, \"code\": null}}").getBytes(StandardCharsets.UTF_8);
    }

    private static DefaultFullHttpResponse json(HttpResponseStatus status, byte[] body) {
        DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return res;
    }

    /** Collects a request's body up to the limit; past it, 413 with an error object, and the connection closes. */
    private final class BodyLimit extends HttpObjectAggregator {
        BodyLimit() {
            super(limits.maxBodyBytes());
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(
                    errorJson("request body larger than " + limits.maxBodyBytes() + " bytes")));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** One connection: its request timer, and the hand-over of each complete request. */
    private final class Connection extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Handler handler;
        private ScheduledFuture<?> requestTimer;

        Connection(Handler handler) {
            this.handler = handler;
        }

        /** On the event loop: the next request must arrive whole within the timeout. */
        private void arm(ChannelHandlerContext ctx) {
            disarm();
            requestTimer = ctx.executor().schedule(() -> ctx.close(), limits.requestTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
        }

        private void disarm() {
            if (requestTimer != null) {
                requestTimer.cancel(false);
                requestTimer = null;
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            arm(ctx);
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            disarm();
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            disarm();
            if (request.decoderResult().isFailure()) {
                ctx.writeAndFlush(json(HttpResponseStatus.BAD_REQUEST, errorJson("malformed HTTP request")))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            NettyExchange exchange = new NettyExchange(ctx, request, this);
            try {
                handlers.execute(() -> handler.handle(exchange));
            } catch (RejectedExecutionException busy) {
                DefaultFullHttpResponse res = json(HttpResponseStatus.SERVICE_UNAVAILABLE, errorJson("the server is busy ("
                        + limits.threads() + " requests in progress and " + limits.queue()
                        + " waiting); retry later"));
                res.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                exchange.send(res);
            }
        }

        /** After a response: close, or wait for the next request on this connection. */
        void responded(ChannelHandlerContext ctx, boolean keepAlive) {
            if (keepAlive) {
                ctx.executor().execute(() -> {
                    if (ctx.channel().isActive()) {
                        arm(ctx);
                    }
                });
            } else {
                ctx.close();
            }
        }
    }

    /** A request copied off the event loop, answered through its channel. */
    private static final class NettyExchange implements Exchange {
        private final ChannelHandlerContext ctx;
        private final Connection connection;
        private final String method;
        private final String path;
        private final io.netty.handler.codec.http.HttpHeaders headers;
        private final byte[] body;
        private final boolean keepAlive;

        NettyExchange(ChannelHandlerContext ctx, FullHttpRequest request, Connection connection) {
            this.ctx = ctx;
            this.connection = connection;
            this.method = request.method().name();
            this.path = new QueryStringDecoder(request.uri()).path();
            this.headers = request.headers().copy();
            ByteBuf content = request.content();
            this.body = ByteBufUtil.getBytes(content);
            this.keepAlive = HttpUtil.isKeepAlive(request);
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String header(String name) {
            return headers.get(name);
        }

        @Override
        public byte[] body() {
            return body;
        }

        private void headers(HttpResponse res, Map<String, String> extra) {
            extra.forEach((k, v) -> res.headers().set(k, v));
            HttpUtil.setKeepAlive(res, keepAlive);
        }

        void send(DefaultFullHttpResponse res) {
            HttpUtil.setKeepAlive(res, keepAlive);
            ctx.writeAndFlush(res).addListener(f -> connection.responded(ctx, keepAlive && f.isSuccess()));
        }

        @Override
        public void respond(int status, Map<String, String> extra, byte[] bytes) {
            DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
            headers(res, extra);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            send(res);
        }

        @Override
        public void startStream(int status, Map<String, String> extra) {
            DefaultHttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            headers(res, extra);
            HttpUtil.setTransferEncodingChunked(res, true);
            ctx.writeAndFlush(res);
        }

        @Override
        public void write(byte[] chunk) {
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
        }

        @Override
        public void endStream() {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener(f -> connection.responded(ctx, keepAlive && f.isSuccess()));
        }
    }
}
