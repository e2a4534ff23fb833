# WHO anthro's own prevalence table for the reference children (children.csv).
#
# anthro is not on Debian and CRAN was not reachable: it was installed from WHO's GitHub source
# (WorldHealthOrganization/anthro, commit b776d8a12b1c97369c748b561159fd2ec4f4db58, version
# 1.1.0.9000) with `R CMD INSTALL -l LIB .`, with r-cran-survey from Debian. Run:
#
#   R_LIBS=LIB Rscript tests/reference/who_anthro/make_reference.R
#
# Writes anthro_prevalence.csv: anthro's output rows (Group) and the columns the estimates table
# carries (prevalence, SE and CI in percent; mean z, its CI and SD), unchanged.
library(anthro)
here <- "tests/reference/who_anthro"
kids <- read.csv(file.path(here, "children.csv"), stringsAsFactors = FALSE)
res <- anthro_prevalence(
  sex = kids$sex, age = kids$age_days, is_age_in_month = FALSE,
  weight = kids$weight_kg, lenhei = kids$height_cm,
  measure = ifelse(is.na(kids$measure) | kids$measure == "", NA_character_, kids$measure),
  oedema = kids$oedema
)
keep <- c("Group", "HAZ_unwpop", "WAZ_unwpop", "WHZ_unwpop")
for (p in c("HA_2", "HA_3", "WH_2", "WA_2", "WH2")) {
  keep <- c(keep, paste0(p, c("_r", "_se", "_ll", "_ul")))
}
for (z in c("HA", "WA", "WH")) {
  keep <- c(keep, paste0(z, c("_r", "_se", "_ll", "_ul", "_stdev")))
}
write.csv(res[, keep], file.path(here, "anthro_prevalence.csv"), row.names = FALSE)
cat(R.version.string, "; anthro", as.character(packageVersion("anthro")),
    "; survey", as.character(packageVersion("survey")), "\n")
