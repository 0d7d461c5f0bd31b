# One Secrets Manager secret (for example the Trading API key, or the database URL). Its value is
# set here only when secret_string is given — otherwise put it in with the console or CLI, so it
# never lands in Terraform state.

resource "aws_secretsmanager_secret" "this" {
  name                    = var.secret_name
  description             = var.description
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = merge(var.tags, { Environment = var.environment })
}

resource "aws_secretsmanager_secret_version" "this" {
  count         = var.secret_string == null ? 0 : 1
  secret_id     = aws_secretsmanager_secret.this.id
  secret_string = var.secret_string
}
