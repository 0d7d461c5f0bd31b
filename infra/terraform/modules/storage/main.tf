# Result storage: s3://<bucket>/<tenantId>/<jobId>/results.json
# Versioned; objects move to an archive storage class after 30 days and are deleted after 365
# (the seed's policy), old versions likewise.

resource "aws_s3_bucket" "results" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Name = var.bucket_name, Environment = var.environment })
}

resource "aws_s3_bucket_versioning" "results" {
  bucket = aws_s3_bucket.results.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "results" {
  bucket                  = aws_s3_bucket.results.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  bucket = aws_s3_bucket.results.id
  # Lifecycle rules on a versioned bucket apply once versioning is on.
  depends_on = [aws_s3_bucket_versioning.results]

  rule {
    id     = "archive-then-expire"
    status = "Enabled"

    filter {}

    transition {
      days          = var.archive_after_days
      storage_class = var.archive_storage_class
    }

    expiration {
      days = var.expire_after_days
    }

    noncurrent_version_transition {
      noncurrent_days = var.archive_after_days
      storage_class   = var.archive_storage_class
    }

    noncurrent_version_expiration {
      noncurrent_days = var.expire_after_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}
