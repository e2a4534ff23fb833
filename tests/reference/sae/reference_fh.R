# Independent Fay-Herriot reference values for tests/unit/test_sae.py.
#
# Written from the formulas in Rao & Molina (2015, ch. 6), Datta & Lahiri (2000) and Li & Lahiri
# (2010), NOT translated from src/analysis/sae.py: full m x m matrices (solve(V), P matrix),
# sigma2_u found as the root of the likelihood score with uniroot() (the Python code uses
# vectorised Fisher scoring), the arcsine back-transformation by numerical integrate() (the Python
# code uses a closed form with the complex error function).
#
# Run from the project root:  Rscript tests/reference/sae/reference_fh.R
# Needs base R only (Debian has no r-cran-sae). Writes r_params.csv, r_areas.csv.

here <- "tests/reference/sae"
options(digits = 17)

fit_fh <- function(y, X, D, method) {
  m <- length(y); p <- ncol(X)
  pieces <- function(A) {
    V <- diag(A + D, m)
    Vi <- solve(V)
    XtViX <- t(X) %*% Vi %*% X
    Q <- solve(XtViX)
    P <- Vi - Vi %*% X %*% Q %*% t(X) %*% Vi
    list(V = V, Vi = Vi, Q = Q, P = P, XtViX = XtViX)
  }
  score <- function(A) {
    k <- pieces(A)
    Py <- k$P %*% y
    quad <- sum(Py^2)                       # y' P P y  (dV/dA = I)
    if (method %in% c("reml", "li-lahiri-reml")) s <- -0.5 * sum(diag(k$P)) + 0.5 * quad
    else s <- -0.5 * sum(diag(k$Vi)) + 0.5 * quad
    if (method %in% c("li-lahiri", "li-lahiri-reml")) s <- s + 1 / A
    s
  }
  loglik <- function(A) {
    k <- pieces(A)
    quad <- as.numeric(t(y) %*% k$P %*% y)
    ldV <- as.numeric(determinant(k$V, logarithm = TRUE)$modulus)
    if (method %in% c("ml", "li-lahiri")) {
      ll <- -0.5 * (m * log(2 * pi) + ldV + quad)
    } else {
      ldX <- as.numeric(determinant(k$XtViX, logarithm = TRUE)$modulus)
      ll <- -0.5 * ((m - p) * log(2 * pi) + ldV + ldX + quad)
    }
    if (method %in% c("li-lahiri", "li-lahiri-reml")) ll <- ll + log(A)
    ll
  }
  # Bracket the root of the score on A > 0; A = 0 when the score is negative at 0 (REML/ML).
  hi <- 10 * (var(y) + max(D))
  if (method %in% c("reml", "ml") && score(0) <= 0) {
    A <- 0
  } else {
    lo <- if (method %in% c("reml", "ml")) 0 else 1e-14
    A <- uniroot(score, c(lo, hi), tol = 1e-15, maxiter = 10000)$root
  }
  k <- pieces(A)
  beta <- as.numeric(k$Q %*% t(X) %*% k$Vi %*% y)
  list(A = A, beta = beta, Q = k$Q, Vi = k$Vi, P = k$P, loglik = loglik(A))
}

mse_fh <- function(fit, X, D, method) {
  A <- fit$A; Vi <- fit$Vi; Q <- fit$Q
  B <- D / (A + D)
  sumw2 <- sum(diag(Vi %*% Vi))
  g1 <- A * D / (A + D)
  g2 <- B^2 * diag(X %*% Q %*% t(X))
  g3 <- B^2 * (2 / sumw2) / (A + D)
  mse <- g1 + g2 + 2 * g3
  tr_term <- sum(diag(Q %*% t(X) %*% Vi %*% Vi %*% X))
  bias <- 0
  if (method == "ml") bias <- -tr_term / sumw2
  if (method == "li-lahiri") bias <- (sum(diag(fit$P - Vi)) + 2 / A) / sumw2
  if (method == "li-lahiri-reml") bias <- (2 / A) / sumw2
  mse <- mse - bias * B^2
  mse <- pmax(mse, g1 + g2)   # floor at the MSE with A known
  list(mse = mse, bias = bias)
}

run <- function(dataset, d, y_col, D, covs, area_col, method) {
  ins <- !is.na(d[[y_col]])
  X_all <- cbind(1, as.matrix(d[, covs, drop = FALSE]))
  y <- d[[y_col]][ins]; X <- X_all[ins, , drop = FALSE]; Dd <- D[ins]
  fit <- fit_fh(y, X, Dd, method)
  ms <- mse_fh(fit, X, Dd, method)
  synth <- as.numeric(X_all %*% fit$beta)
  gamma <- rep(0, nrow(d)); gamma[ins] <- fit$A / (fit$A + Dd)
  eblup <- synth; eblup[ins] <- gamma[ins] * y + (1 - gamma[ins]) * synth[ins]
  mse <- rep(NA_real_, nrow(d)); mse[ins] <- ms$mse
  h <- diag(X_all %*% fit$Q %*% t(X_all))
  out_bias <- if (method == "ml") ms$bias else 0
  mse[!ins] <- fit$A - out_bias + h[!ins]   # ML: A-hat corrected by its bias b_ML (< 0)
  params <- data.frame(dataset = dataset, method = method,
                       parameter = c("sigma2_u", "loglik", paste0("beta_", 0:length(covs)),
                                     paste0("beta_se_", 0:length(covs))),
                       value = c(fit$A, fit$loglik, fit$beta, sqrt(diag(fit$Q))))
  areas <- data.frame(dataset = dataset, method = method, area = as.character(d[[area_col]]),
                      eblup = eblup, mse = mse, gamma = gamma, synthetic = synth)
  list(params = params, areas = areas, A = fit$A, gamma = gamma, ins = ins)
}

P <- list(); AR <- list()
add <- function(r) { P[[length(P) + 1]] <<- r$params; AR[[length(AR) + 1]] <<- r$areas }

# 1. milk (R package sae; Arora & Lahiri 1997): yi, SD^2, dummies of MajorArea 2-4.
milk <- read.csv(file.path(here, "milk.csv"))
for (k in 2:4) milk[[paste0("ma", k)]] <- as.numeric(milk$MajorArea == k)
for (meth in c("reml", "ml", "li-lahiri", "li-lahiri-reml"))
  add(run("milk", milk, "yi", milk$SD^2, c("ma2", "ma3", "ma4"), "SmallArea", meth))

# 2. bontang_synthetic: smoothed variance, two out-of-sample kelurahan.
bs <- read.csv(file.path(here, "bontang_synthetic.csv"), colClasses = c(area = "character"))
for (meth in c("reml", "ml", "li-lahiri", "li-lahiri-reml"))
  add(run("bontang", bs, "p_direct", bs$var_smooth, c("desil1_share", "stunting_rate"), "area", meth))

# 3. small_zero: REML and ML estimate sigma2_u = 0; Li-Lahiri does not.
sz <- read.csv(file.path(here, "small_zero.csv"))
for (meth in c("reml", "ml", "li-lahiri", "li-lahiri-reml"))
  add(run("small_zero", sz, "y", sz$d, c("x"), "area", meth))

# 4. bontang_synthetic on the arcsine scale: y* = asin(sqrt(p)), D* = 1/(4 n_eff), REML,
#    back-transformed with emdi's bias correction: integral over [0, pi/2] of sin(x)^2 times the
#    N(eblup*, sigma2_u (1 - gamma)) density; naive sin^2 for out-of-sample kelurahan.
bt <- bs
bt$y_t <- asin(sqrt(bt$p_direct))
Dt <- 1 / (4 * bt$n_eff)
r <- run("bontang_arcsin", bt, "y_t", Dt, c("desil1_share", "stunting_rate"), "area", "reml")
P[[length(P) + 1]] <- r$params
a <- r$areas
bc <- numeric(nrow(a))
for (i in seq_len(nrow(a))) {
  if (r$ins[i]) {
    s2 <- r$A * (1 - r$gamma[i])
    bc[i] <- integrate(function(x) sin(x)^2 * dnorm(x, a$eblup[i], sqrt(s2)), 0, pi / 2,
                       rel.tol = 1e-12, abs.tol = 0)$value
  } else {
    bc[i] <- sin(min(max(a$eblup[i], 0), pi / 2))^2
  }
}
a$eblup_bc <- bc
a$eblup_naive <- sin(pmin(pmax(a$eblup, 0), pi / 2))^2
AR[[length(AR) + 1]] <- a

params <- do.call(rbind, P)
areas <- do.call(rbind, lapply(AR, function(x) {
  if (is.null(x$eblup_bc)) { x$eblup_bc <- NA; x$eblup_naive <- NA }
  x
}))
num17 <- function(df) {
  for (nm in names(df)) if (is.numeric(df[[nm]]))
    df[[nm]] <- ifelse(is.na(df[[nm]]), "", trimws(formatC(df[[nm]], digits = 17, format = "g")))
  df
}
write.csv(num17(params), file.path(here, "r_params.csv"), row.names = FALSE, quote = FALSE)
write.csv(num17(areas), file.path(here, "r_areas.csv"), row.names = FALSE, quote = FALSE)
cat(R.version.string, "\n")
cat("wrote r_params.csv (", nrow(params), "rows), r_areas.csv (", nrow(areas), "rows)\n")
