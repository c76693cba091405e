package dev.thinktune.ui;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.deeplearning4j.ui.VertxUIServer;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Deeplearning4j's UI server (all its modules and assets: {@code /train}, {@code /samediff}, ...) listening on
 * a chosen host and port, with thinktune's routes on the same router.
 *
 * <p>{@link VertxUIServer} builds its router and calls {@code createHttpServer().requestHandler(router)
 * .listen(port, handler)} in {@code start}; Vert.x's two-argument {@code listen} binds every interface
 * ({@code 0.0.0.0}) and the port comes from a static field or a system property. This subclass hands
 * {@code start} a view of its Vert.x instance whose HTTP server adds our routes to the router it is given and
 * listens on {@code host:port} whatever {@code listen} variant is called. Everything else goes to the real
 * objects unchanged.
 */
final class BoundUiServer extends VertxUIServer {
    private final String host;
    private final int port;
    private final Consumer<Router> routes;

    BoundUiServer(String host, int port, Consumer<Router> routes) {
        this.host = host;
        this.port = port;
        this.routes = routes;
    }

    @Override
    public void start(Promise<Void> startPromise) throws Exception {
        this.vertx = bind(this.vertx);
        super.start(startPromise);
    }

    @Override
    public String getAddress() {
        return "http://" + UiServerLauncher.urlHost(host) + ":" + getPort();
    }

    private Vertx bind(Vertx real) {
        return proxy(real, (view, method, args) -> {
            Object result = invoke(real, method, args);
            return result instanceof HttpServer server && method.getName().equals("createHttpServer")
                    ? bind(server) : result;
        });
    }

    private HttpServer bind(HttpServer real) {
        HttpServer[] self = new HttpServer[1];
        self[0] = proxy(real, (view, method, args) -> {
            Object result;
            if (method.getName().equals("listen")) {
                result = real.listen(port, host, listenHandler(args));
            } else {
                if (method.getName().equals("requestHandler") && args != null && args[0] instanceof Router r) {
                    routes.accept(r);
                }
                result = invoke(real, method, args);
            }
            return result == real ? self[0] : result;   // keep fluent calls on the view
        });
        return self[0];
    }

    @SuppressWarnings("unchecked")
    private static io.vertx.core.Handler<io.vertx.core.AsyncResult<HttpServer>> listenHandler(Object[] args) {
        if (args != null) {
            for (Object a : args) {
                if (a instanceof io.vertx.core.Handler<?> h) {
                    return (io.vertx.core.Handler<io.vertx.core.AsyncResult<HttpServer>>) h;
                }
            }
        }
        return null;
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A proxy with every interface of {@code target}'s class (Vert.x casts to its internal interfaces). */
    @SuppressWarnings("unchecked")
    private static <T> T proxy(T target, InvocationHandler handler) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            collect(c, interfaces);
        }
        return (T) Proxy.newProxyInstance(target.getClass().getClassLoader(), interfaces.toArray(new Class<?>[0]),
                handler);
    }

    private static void collect(Class<?> c, Set<Class<?>> out) {
        for (Class<?> i : c.getInterfaces()) {
            if (out.add(i)) {
                collect(i, out);
            }
        }
    }
}
