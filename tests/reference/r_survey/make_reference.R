#!/usr/bin/env Rscript
# Reference values for analysis.estimation / analysis.poverty from R's `survey` package.
#
# Run from this folder:   Rscript make_reference.R
# Writes (commit them; the Python tests read them and never need R):
#   survey_data.csv         seeded synthetic household sample (the input)
#   reference_domains.csv   svymean / svytotal / svyciprop(logit, beta) per design, outcome, domain
#   reference_svyby.csv     the same through svyby(), for outcomes without missing values
#   reference_fgt.csv       FGT P0/P1/P2 of persons (weights w * hh_size) and poor-person totals
#
# Domains are estimated as R's subset()/svyby() do: des[in_domain & !is.na(y), ] keeps the
# design's PSU counts per stratum, so PSUs without domain members count as zeros.
# Rows with a missing outcome are outside the domain (not outside the design).
suppressPackageStartupMessages(library(survey))
options(survey.adjust.domain.lonely = FALSE, warn = -1)
set.seed(20250131)

# ---- Load inputs: make the synthetic sample --------------------------------------------------
psu_per_stratum <- c(S1 = 4, S2 = 5, S3 = 3, S4 = 6, S5 = 2, S6 = 1)    # S6: a single PSU
pop_psu         <- c(S1 = 40, S2 = 25, S3 = 30, S4 = 60, S5 = 8, S6 = 3)
rows <- list()
g <- 0
for (s in names(psu_per_stratum)) {
  for (k in seq_len(psu_per_stratum[[s]])) {
    g <- g + 1
    m <- sample(6:14, 1)
    kec <- c("A", "B", "C")[1 + (g %% 3)]
    kel_choices <- switch(kec, A = c("A1", "A2", "A3"), B = c("B1", "B2"), C = c("C1"))
    if (g == 7) kel_choices <- c(kel_choices, "C2")         # C2 lives in a single PSU
    re <- rnorm(1, 0, 0.6)                                   # PSU effect: clustering
    rows[[g]] <- data.frame(
      strata = s, psu = k, psu_global = g, fpc_psu = pop_psu[[s]],
      kec = kec,
      kel = sample(kel_choices, m, replace = TRUE, prob = rep(1, length(kel_choices))),
      sex = sample(1:2, m, replace = TRUE),
      weight = round(runif(m, 20, 200), 2),
      y_common = rbinom(m, 1, plogis(-0.8 + re)),
      y_rare = rbinom(m, 1, 0.04),
      expenditure_pc_idr_month = round(exp(rnorm(m, log(900000) + 0.4 * re, 0.5))),
      hh_size = 1 + rpois(m, 3)
    )
  }
}
d <- do.call(rbind, rows)
d$hh_id <- seq_len(nrow(d))
# C2 must not be both in A-kec PSUs and elsewhere: fine either way; A3 is made rare
d$kel[d$kel == "A3" & runif(nrow(d)) < 0.7] <- "A1"
# rare outcome: zero cases in kel B2 (p = 0 domain)
d$y_rare[d$kel == "B2"] <- 0L
# missing outcomes: ~12% at random plus one whole PSU (S2/3) with no outcome at all
d$y_miss <- d$y_common
d$y_miss[runif(nrow(d)) < 0.12] <- NA
d$y_miss[d$strata == "S2" & d$psu == 3] <- NA
d$x_cont <- d$expenditure_pc_idr_month / 1000
d$x_cont[runif(nrow(d)) < 0.06] <- NA
# population households per stratum (fpc for a design without clusters)
d$fpc_units <- 1000 * as.integer(sub("S", "", d$strata))
write.csv(d, "survey_data.csv", row.names = FALSE)

# ---- Process data ------------------------------------------------------------------------------
designs <- list(
  full      = list(lonely = "adjust",    des = svydesign(ids = ~psu, strata = ~strata, weights = ~weight, nest = TRUE, data = d)),
  full_cert = list(lonely = "certainty", des = svydesign(ids = ~psu, strata = ~strata, weights = ~weight, nest = TRUE, data = d)),
  full_rem  = list(lonely = "remove",    des = svydesign(ids = ~psu, strata = ~strata, weights = ~weight, nest = TRUE, data = d)),
  fpc       = list(lonely = "adjust",    des = svydesign(ids = ~psu, strata = ~strata, weights = ~weight, fpc = ~fpc_psu, nest = TRUE, data = d)),
  srs       = list(lonely = "adjust",    des = svydesign(ids = ~1, data = d)),
  weighted  = list(lonely = "adjust",    des = svydesign(ids = ~1, weights = ~weight, data = d)),
  cluster   = list(lonely = "adjust",    des = svydesign(ids = ~psu_global, weights = ~weight, data = d)),
  strat_fpc = list(lonely = "adjust",    des = svydesign(ids = ~1, strata = ~strata, weights = ~weight, fpc = ~fpc_units, data = d))
)
bys <- list(total = character(0), kel = "kel", kec_sex = c("kec", "sex"))
outcomes <- c(y_common = TRUE, y_rare = TRUE, y_miss = TRUE, x_cont = FALSE)
alpha <- 0.05

num <- function(x) as.numeric(x)[1]
ci_or_na <- function(expr) tryCatch(as.numeric(expr), error = function(e) c(NA_real_, NA_real_))
# svyciprop(method = "logit") is svyglm(y ~ 1, family = quasibinomial) + Wald confint(ddf = df);
# glm's default convergence (epsilon 1e-8) leaves ~1e-8 relative error in rare outcomes, so the
# reference runs the same code path with a tight convergence criterion.
logit_ci <- function(f, sub, df) {
  fit <- svyglm(as.formula(paste(all.vars(f)[1], "~ 1")), sub, family = quasibinomial,
                control = glm.control(epsilon = 1e-15, maxit = 100))
  ci_or_na(expit(confint(fit, 1, level = 1 - alpha, method = "Wald", ddf = df)))
}
expit <- function(eta) exp(eta) / (1 + exp(eta))

domain_rows <- function(des, dname, lonely, yname, binary, byname, bycols) {
  options(survey.lonely.psu = lonely)
  dat <- des$variables
  key <- if (length(bycols)) do.call(paste, c(dat[bycols], sep = "|")) else rep("all", nrow(dat))
  df_design <- degf(des)
  out <- list()
  for (k in sort(unique(key))) {
    idx <- key == k & !is.na(dat[[yname]])
    if (!any(idx)) next
    sub <- des[idx, ]
    f <- as.formula(paste0("~", yname))
    m <- svymean(f, sub, deff = TRUE)
    tt <- svytotal(f, sub, deff = TRUE)
    est <- num(coef(m)); v <- num(vcov(m))
    df_domain <- degf(sub)
    r <- data.frame(design = dname, lonely = lonely, y = yname, by = byname, domain = k,
                    n = sum(idx), n_weighted = sum(weights(sub)),
                    df_design = df_design, df_domain = df_domain,
                    mean = est, se_mean = sqrt(v), deff_mean = num(deff(m)),
                    total = num(coef(tt)), se_total = sqrt(num(vcov(tt))), deff_total = num(deff(tt)),
                    logit_lo_design = NA, logit_hi_design = NA, logit_lo_domain = NA, logit_hi_domain = NA,
                    beta_lo_domain = NA, beta_hi_domain = NA, beta_lo_design = NA, beta_hi_design = NA,
                    wald_lo_design = NA, wald_hi_design = NA, wald_lo_domain = NA, wald_hi_domain = NA,
                    total_lo_design = NA, total_hi_design = NA,
                    svyciprop_logit_lo_design = NA, svyciprop_logit_hi_design = NA)
    ci <- confint(m, df = df_design)
    r$wald_lo_design <- ci[1]; r$wald_hi_design <- ci[2]
    if (df_domain >= 1) { ci <- confint(m, df = df_domain); r$wald_lo_domain <- ci[1]; r$wald_hi_domain <- ci[2] }
    ci <- confint(tt, df = df_design)
    r$total_lo_design <- ci[1]; r$total_hi_design <- ci[2]
    if (binary && est > 0 && est < 1) {
      ci <- logit_ci(f, sub, df_design)
      r$logit_lo_design <- ci[1]; r$logit_hi_design <- ci[2]
      ci <- ci_or_na(attr(svyciprop(f, sub, method = "logit", df = df_design), "ci"))
      r$svyciprop_logit_lo_design <- ci[1]; r$svyciprop_logit_hi_design <- ci[2]
      if (df_domain >= 1) {
        ci <- logit_ci(f, sub, df_domain)
        r$logit_lo_domain <- ci[1]; r$logit_hi_domain <- ci[2]
        ci <- ci_or_na(attr(svyciprop(f, sub, method = "beta"), "ci"))   # R: df = degf(sub)
        r$beta_lo_domain <- ci[1]; r$beta_hi_domain <- ci[2]
      }
      # R's beta formula (svyciprop source) with the whole design's df in place of degf(sub)
      n_eff <- est * (1 - est) / v * (qt(alpha / 2, nrow(sub) - 1) / qt(alpha / 2, df_design))^2
      r$beta_lo_design <- qbeta(alpha / 2, n_eff * est, n_eff * (1 - est) + 1)
      r$beta_hi_design <- qbeta(1 - alpha / 2, n_eff * est + 1, n_eff * (1 - est))
    }
    out[[length(out) + 1]] <- r
  }
  do.call(rbind, out)
}

res <- list()
for (dname in names(designs)) {
  for (yname in names(outcomes)) {
    for (byname in names(bys)) {
      res[[length(res) + 1]] <- domain_rows(designs[[dname]]$des, dname, designs[[dname]]$lonely,
                                            yname, outcomes[[yname]], byname, bys[[byname]])
    }
  }
}
ref <- do.call(rbind, res)

# svyby, as an analyst would call it (outcome without missing values)
options(survey.lonely.psu = "adjust")
des <- designs$full$des
b1 <- svyby(~y_common, ~kel, des, svyciprop, vartype = c("se", "ci"), method = "logit")
b2 <- svyby(~y_common, ~kel, des, svymean, deff = TRUE)
b3 <- svyby(~y_common, ~kel, des, svyciprop, vartype = "ci", method = "beta")
b4 <- svyby(~y_common, ~kel, des, svytotal, deff = TRUE)
svyby_ref <- data.frame(kel = b1$kel, estimate = b1$y_common, se = SE(b1),
                        logit_lo = b1$ci_l, logit_hi = b1$ci_u,
                        mean = b2$y_common, se_mean = b2$se, deff_mean = b2$DEff.y_common,
                        beta_lo = b3$ci_l, beta_hi = b3$ci_u,
                        total = b4$y_common, se_total = b4$se, deff_total = b4$DEff.y_common)

# FGT of persons: weights w * hh_size; lines from config/settings.yml
lines <- c(extreme = 391000, poverty = 595242)
d$w_person <- d$weight * d$hh_size
dp <- svydesign(ids = ~psu, strata = ~strata, weights = ~w_person, nest = TRUE, data = d)
fgt <- list()
for (ln in names(lines)) {
  z <- lines[[ln]]
  gap <- pmax(0, (z - d$expenditure_pc_idr_month) / z)
  dp <- update(dp, fgt0 = as.numeric(d$expenditure_pc_idr_month < z), fgt1 = gap, fgt2 = gap^2)
  for (byname in c("total", "kec")) {
    key <- if (byname == "kec") d$kec else rep("all", nrow(d))
    for (k in sort(unique(key))) {
      sub <- dp[key == k, ]
      for (a in 0:2) {
        f <- as.formula(paste0("~fgt", a))
        m <- svymean(f, sub, deff = TRUE)
        est <- num(coef(m))
        lo <- hi <- NA
        if (a == 0 && est > 0 && est < 1) {
          ci <- logit_ci(f, sub, degf(dp)); lo <- ci[1]; hi <- ci[2]
        } else if (a > 0) {
          ci <- confint(m, df = degf(dp)); lo <- ci[1]; hi <- ci[2]
        }
        fgt[[length(fgt) + 1]] <- data.frame(line = ln, line_idr = z, by = byname, domain = k,
          indicator = paste0("p", a), estimate = est, se = sqrt(num(vcov(m))), deff = num(deff(m)),
          ci_low = lo, ci_high = hi, n_weighted = sum(weights(sub)))
      }
      tt <- svytotal(~fgt0, sub)
      ci <- confint(tt, df = degf(dp))
      fgt[[length(fgt) + 1]] <- data.frame(line = ln, line_idr = z, by = byname, domain = k,
        indicator = "persons", estimate = num(coef(tt)), se = sqrt(num(vcov(tt))), deff = NA,
        ci_low = ci[1], ci_high = ci[2], n_weighted = sum(weights(sub)))
    }
  }
}
fgt <- do.call(rbind, fgt)

# ---- Save outputs ------------------------------------------------------------------------------
write.csv(ref, "reference_domains.csv", row.names = FALSE)
write.csv(svyby_ref, "reference_svyby.csv", row.names = FALSE)
write.csv(fgt, "reference_fgt.csv", row.names = FALSE)
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")
cat(nrow(d), "rows;", nrow(ref), "domain rows;", nrow(fgt), "FGT rows\n")
