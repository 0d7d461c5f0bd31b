# AWS: credentials from the environment (AWS_PROFILE, SSO, or the CI's role).
#   terraform init -backend-config="bucket=<state bucket>" -backend-config="key=zixly/terraform.tfstate" \
#                  -backend-config="region=ap-southeast-2"
#   terraform apply -var environment=production

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
  # State in S3; the bucket, key and region are given at `terraform init` (see above).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "zixly"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

module "storage" {
  source = "../../modules/storage"

  bucket_name = "zixly-pipeline-results-${var.environment}"
  environment = var.environment
}

module "queue" {
  source = "../../modules/queue"

  queue_name  = "zixly-trading-sweeps-${var.environment}"
  environment = var.environment
}

module "secrets" {
  source = "../../modules/secrets"

  secret_name = "zixly/${var.environment}/trading-api"
  environment = var.environment
  description = "API key the executor sends to the Trading API (X-API-Key)"
}

module "database_secret" {
  source = "../../modules/secrets"

  secret_name = "zixly/${var.environment}/database-url"
  environment = var.environment
  description = "DATABASE_URL of the Zixly services (copied into the Kubernetes Secret zixly-postgres)"
}

# What the services need, and nothing else: attach it to their role (for example the executors'
# Kubernetes service account through IRSA).
data "aws_iam_policy_document" "services" {
  statement {
    sid       = "Results"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${module.storage.bucket_arn}/*"]
  }
  statement {
    sid       = "ListResults"
    actions   = ["s3:ListBucket"]
    resources = [module.storage.bucket_arn]
  }
  statement {
    sid       = "Queue"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [module.queue.queue_arn]
  }
  statement {
    sid       = "Secrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [module.secrets.secret_arn, module.database_secret.secret_arn]
  }
}

resource "aws_iam_policy" "services" {
  name        = "zixly-services-${var.environment}"
  description = "Access of the Zixly services to their bucket, queue and secrets"
  policy      = data.aws_iam_policy_document.services.json
}
