// Swagger UI on this service's own contract; every file comes from this server.
// The contract's address is the page's (data-url): under a proxy's path prefix it carries the prefix.
window.ui = SwaggerUIBundle({ url: document.getElementById("swagger-ui").dataset.url, dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });
